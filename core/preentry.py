"""Phone pre-entry: the versioned QR payload a resident brings, and how the kiosk reads it.

A municipality's web form (or its LINE account) fills in a procedure at home and shows a QR:

    MADOGUCHI-PRE/1 {"p":"juminhyo","a":{"copies":2,"purpose":"work"}}

"p" is the procedure id, "a" maps page ids to answers as typed input would give them. The
payload never carries a 個人番号: pages of that type are refused here and asked at the kiosk.
Nothing in it is trusted: every answer goes through the same validators as typed input, and one
that fails is asked on its page. See docs/PREENTRY.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.catalog import APPLICANT_PAGE, Catalog, FieldType

PREFIX = "MADOGUCHI-PRE/"
VERSION = 1
MAX_PAYLOAD_CHARS = 2000  # a QR the scanner reads reliably holds far less
MAX_VERSION_DIGITS = 4  # int() of a longer run of digits is work an attacker chooses
# The answers typed input gives (docs/PREENTRY.md); anything else is asked on its page, so
# the validators never see a nested structure, a NaN or a thousand-digit number.
MAX_NUMBER = 10**9
MAX_LIST_ITEMS = 50


class PreEntryError(ValueError):
    """The scan is not a pre-entry this kiosk can use; `key` names the resident's message."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


@dataclass(frozen=True)
class PreEntry:
    procedure_id: str
    answers: dict[str, Any]
    # Page ids the payload named that this kiosk will ask instead (unknown or 個人番号).
    refused: tuple[str, ...] = field(default=())


def encode(procedure_id: str, answers: dict[str, Any]) -> str:
    body = json.dumps({"p": procedure_id, "a": answers}, ensure_ascii=False, separators=(",", ":"))
    return f"{PREFIX}{VERSION} {body}"


def is_ascii_digits(text: str) -> bool:
    """0-9 only. str.isdigit() also accepts '²' and '①', which int() then refuses."""
    return text.isascii() and text.isdigit()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _plain_answer(value: Any) -> bool:
    """A value of the kind touch input gives: text, yes/no, a whole number, a list of texts."""
    if isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    if isinstance(value, list):
        return len(value) <= MAX_LIST_ITEMS and all(isinstance(item, str) for item in value)
    return False


def parse(text: str, catalog: Catalog) -> PreEntry:
    """The pre-entry a scan carries; any other text raises PreEntryError, never anything else
    (the scanner's thread calls this with whatever a QR code holds)."""
    if not text.startswith(PREFIX):
        raise PreEntryError("scan_not_preentry", "not a pre-entry code")
    version_text, _, body = text[len(PREFIX) :].partition(" ")
    if not is_ascii_digits(version_text) or len(version_text) > MAX_VERSION_DIGITS:
        raise PreEntryError("scan_not_preentry", "pre-entry code without a version")
    if int(version_text) != VERSION:
        raise PreEntryError("scan_newer_version", f"pre-entry version {version_text} is not known")
    if len(body) > MAX_PAYLOAD_CHARS:
        raise PreEntryError("scan_not_preentry", "pre-entry code too long")
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; [[[[… recurses
        raise PreEntryError("scan_not_preentry", "pre-entry body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("a", {}), dict):
        raise PreEntryError("scan_not_preentry", "pre-entry body has the wrong shape")
    procedure_id = data.get("p")
    if not isinstance(procedure_id, str):
        raise PreEntryError("scan_not_preentry", "pre-entry body names no procedure")
    try:
        procedure = catalog.procedure(procedure_id)
    except KeyError:
        raise PreEntryError("scan_unknown_procedure", "procedure not offered here") from None
    pages: dict[str, FieldType] = {page.id: page.type for page in procedure.pages}
    if len(procedure.applicants) > 1:
        # Who applies (本人, 世帯の方, 代理人) is the kiosk's own page, asked where a procedure
        # allows several: a web form asks it too (docs/PREENTRY.md's example carries it).
        pages[APPLICANT_PAGE] = FieldType.SINGLE_CHOICE
    answers: dict[str, Any] = {}
    refused: list[str] = []
    for page_id, value in data.get("a", {}).items():
        kind = pages.get(page_id)
        if kind is None or kind is FieldType.MY_NUMBER or not _plain_answer(value):
            refused.append(str(page_id))
        else:
            answers[page_id] = value
    return PreEntry(procedure.id, answers, tuple(refused))
