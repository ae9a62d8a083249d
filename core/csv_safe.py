"""CSV that a spreadsheet opens as data, never as formulas: the one way the project writes CSV.

A cell that begins with = + - or @ (or a tab or carriage return), also after leading spaces,
is read by Excel and LibreOffice as a formula, which can compute, fetch or run things on the
clerk's PC. Every such cell gets a leading apostrophe (the OWASP recommendation): the
spreadsheet then shows the text as typed, and the clerk still recognises the value. Full-width
＝ ＋ － ＠ (what a Japanese input method types) and a line feed are treated the same, as are
zero-width characters before any of them: neutralising a harmless cell costs one apostrophe,
missing a harmful one costs the PC.

Here in core, not in the backend, because any part of the project may come to write CSV.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
# Skipped before looking at the first character: what a spreadsheet may ignore there.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def neutralise(text: str) -> str:
    """text, with a leading apostrophe if a spreadsheet could read it as a formula."""
    for character in text:
        if character in FORMULA_STARTS:  # a tab, CR or LF counts even as the first character
            return "'" + text
        if not (character.isspace() or character in _INVISIBLE):
            return text
    return text


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


class SafeCsvWriter:
    """csv.writer with CRLF line ends (what Excel writes and expects) whose every cell, the
    header's too, goes through neutralise."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(as_text(cell)) for cell in cells])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str]) -> SafeCsvWriter:
    return SafeCsvWriter(out)
