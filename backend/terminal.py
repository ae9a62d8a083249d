"""Everything the backend's command line prints goes through here, made safe for a terminal.

Answers, reception numbers, kiosk ids and file names come from residents, kiosks and the
command line, and a terminal obeys what they may contain: ESC sequences (colours, cursor moves,
a rewritten title, hidden text), a carriage return or backspace that overwrites what was
printed, C1 controls (U+009B is a CSI of its own), bidirectional overrides that reorder a line,
and line or paragraph separators. A lone surrogate cannot even be encoded, and would end the
command with a traceback. safe() replaces every such character, in one place:

- for people, with a visible mark: the control picture of a C0 control (ESC → ␛, a newline
  inside a value → ␊, DEL → ␡), `<U+XXXX>` for the others, so staff still see that something
  was there and recognise the rest of the value;
- in JSON output, with its JSON escape (`\\u001b`): the same document for a script, and inert
  on a terminal.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

# C0 and C1 controls and DEL, line and paragraph separators, the bidirectional marks, embeddings,
# overrides and isolates, and the surrogates (never a character on their own).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# In JSON text a newline between tokens is layout (indent=…); inside a string json.dumps has
# already escaped every C0 control, so only the others are left to escape.
_UNSAFE_IN_JSON = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe(text: str, *, json_text: bool = False) -> str:
    """text with every terminal control character replaced (see the module docstring)."""
    return (_UNSAFE_IN_JSON if json_text else _UNSAFE).sub(
        _json_escape if json_text else _visible, text
    )


def lines(rows: Iterable[str], file: TextIO | None = None) -> None:
    """Print each row as exactly one line: a newline inside a row is shown, not obeyed."""
    out = file or sys.stdout
    for row in rows:
        print(safe(row), file=out)


def message(text: str) -> None:
    """One line for the person at the terminal, on stderr."""
    lines([text], sys.stderr)


def json_document(value: Any, *, indent: int | None = None) -> None:
    """value as JSON (UTF-8 text, not \\u-escaped Japanese) on stdout, terminal-safe."""
    print(safe(json.dumps(value, ensure_ascii=False, indent=indent), json_text=True))


class SafeWriter:
    """A text stream for a terminal: each written piece made safe, its line ending kept (the
    CSV and JSON Lines writers write one row, with its ending, per call)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> int:
        body = text.removesuffix("\n")
        ending = text[len(body) :]
        if ending and body.endswith("\r"):
            body, ending = body[:-1], "\r\n"
        return self.out.write(safe(body) + ending)

    def flush(self) -> None:
        self.out.flush()
