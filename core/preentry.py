"""Phone pre-entry: the versioned QR payload a resident brings, and how the kiosk reads it.

The backend's phone form (/pre/, backend/preentry) fills in a procedure at home and shows a QR:

    MADOGUCHI-PRE/2 {"p":"juminhyo","v":1,"x":"2026-12-19","t":false,"a":{"copies":2}}
    MADOGUCHI-PRE/1 {"p":"juminhyo","a":{"copies":2,"purpose":"work"}}   (still read)

"p" is the procedure id, "a" maps page ids to answers as typed input would give them; version 2
adds the procedure's version "v", the last day the code may be used "x" and the practice flag
"t" (スマホ教室). The payload never carries a 個人番号: pages of that type are refused here and
asked at the kiosk. Nothing in it is trusted: every answer goes through the same validators as
typed input, and one that fails is asked on its page. See docs/PREENTRY.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.catalog import APPLICANT_PAGE, Catalog, FieldType, Group

PREFIX = "MADOGUCHI-PRE/"
VERSION = 1  # what encode() writes (the demo's sample, older web forms)
CURRENT_VERSION = 2  # what encode_v2() writes: with the procedure version, expiry and practice
KNOWN_VERSIONS = frozenset({1, 2})
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
    # Version 2 only: the procedure version the phone asked (None: a version 1 code), the last
    # day the code may be used (None: never expires) and whether it was made in practice.
    procedure_version: int | None = None
    expires: date | None = None
    practice: bool = False
    current: int = 0  # the kiosk's version of the procedure, for older_procedure

    @property
    def older_procedure(self) -> bool:
        """Made for an earlier version of the procedure than this kiosk's: only what changed
        is asked again (pages gone, answers no longer valid, pages added)."""
        return self.procedure_version is not None and self.procedure_version < self.current


def _compact(data: dict[str, Any]) -> str:
    # ensure_ascii=False: a kanji name stays three UTF-8 bytes, not a six-byte \u escape.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def encode(procedure_id: str, answers: dict[str, Any]) -> str:
    """A version 1 code (no expiry, no practice flag): the demo's sample."""
    return f"{PREFIX}{VERSION} {_compact({'p': procedure_id, 'a': answers})}"


def encode_v2(
    procedure_id: str,
    answers: dict[str, Any],
    *,
    procedure_version: int,
    expires: date,
    practice: bool,
) -> str:
    """The code the phone form shows (docs/PREENTRY.md, version 2)."""
    body = {
        "p": procedure_id,
        "v": procedure_version,
        "x": expires.isoformat(),
        "t": practice,
        "a": answers,
    }
    return f"{PREFIX}{CURRENT_VERSION} {_compact(body)}"


def is_ascii_digits(text: str) -> bool:
    """0-9 only. str.isdigit() also accepts '²' and '①', which int() then refuses."""
    return text.isascii() and text.isdigit()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


# A postal code with the town the resident chose among the code's addresses, as the kiosk's
# postal entry gives it: {"code": "0600001", "chosen": {"prefecture", "city", "town"}}.
POSTAL_KEYS = frozenset({"code", "chosen"})
TOWN_KEYS = frozenset({"prefecture", "city", "town"})
MAX_TOWN_CHARS = 100


def _postal_answer(value: dict[Any, Any]) -> bool:
    chosen = value.get("chosen")
    return (
        set(value) == POSTAL_KEYS
        and isinstance(value["code"], str)
        and isinstance(chosen, dict)
        and set(chosen) == TOWN_KEYS
        and all(isinstance(part, str) and len(part) <= MAX_TOWN_CHARS for part in chosen.values())
    )


def _plain_answer(value: Any) -> bool:
    """A value of the kind touch input gives: text, yes/no, a whole number, a list of texts,
    a postal code with its chosen town."""
    if isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_NUMBER
    if isinstance(value, list):
        return len(value) <= MAX_LIST_ITEMS and all(isinstance(item, str) for item in value)
    if isinstance(value, dict):
        return _postal_answer(value)
    return False


def _members(
    value: Any, group: Group, pages: dict[str, FieldType]
) -> tuple[list[dict[str, Any]], list[str]]:
    """A group's answer as typed input gives it: at most `maximum` members, each an object of
    the group's pages with plain answers, or (as the phone form writes them) a list of those
    answers in the group's page order; what does not fit is asked on its page instead
    (refused, named "group.2.page")."""
    refused: list[str] = []
    listed = value if isinstance(value, list) else []
    if not isinstance(value, list) or len(listed) > group.maximum:
        refused.append(group.id)
    members: list[dict[str, Any]] = []
    for number, member in enumerate(listed[: group.maximum], start=1):
        kept: dict[str, Any] = {}
        if isinstance(member, list):  # compact: the answers in the group's page order
            if len(member) > len(group.pages):
                refused.append(f"{group.id}.{number}")
            named = zip(group.pages, member, strict=False)
            member = {page_id: answer for page_id, answer in named if answer is not None}
        for page_id, answer in member.items() if isinstance(member, dict) else ():
            kind = pages.get(page_id) if page_id in group.pages else None
            postal = isinstance(answer, dict) and kind is not FieldType.POSTAL_CODE
            if kind is None or kind is FieldType.MY_NUMBER or not _plain_answer(answer) or postal:
                refused.append(f"{group.id}.{number}.{page_id}")
            else:
                kept[page_id] = answer
        members.append(kept)
    return members, refused


def _version_two(data: dict[str, Any]) -> tuple[int, date, bool]:
    """The procedure version, expiry and practice flag of a version 2 body, or PreEntryError."""
    version, expires, practice = data.get("v"), data.get("x"), data.get("t")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 10**6:
        raise PreEntryError("scan_not_preentry", "pre-entry without a procedure version")
    if not isinstance(practice, bool):
        raise PreEntryError("scan_not_preentry", "pre-entry without a practice flag")
    # fromisoformat() also reads 20261219 and week dates: only the ten characters we write.
    if not isinstance(expires, str) or len(expires) != 10 or not expires.isascii():
        raise PreEntryError("scan_not_preentry", "pre-entry without an expiry date")
    try:
        day = date.fromisoformat(expires)
    except ValueError:
        raise PreEntryError("scan_not_preentry", "pre-entry with an unreadable expiry") from None
    return version, day, practice


def parse(
    text: str, catalog: Catalog, *, today: date | None = None, practice: bool = False
) -> PreEntry:
    """The pre-entry a scan carries; any other text raises PreEntryError, never anything else
    (the scanner's thread calls this with whatever a QR code holds).

    today: the kiosk's date, for a version 2 code's expiry; practice: whether this kiosk is in
    practice mode (only such a kiosk takes a code made in a スマホ教室)."""
    if not text.startswith(PREFIX):
        raise PreEntryError("scan_not_preentry", "not a pre-entry code")
    version_text, _, body = text[len(PREFIX) :].partition(" ")
    if not is_ascii_digits(version_text) or len(version_text) > MAX_VERSION_DIGITS:
        raise PreEntryError("scan_not_preentry", "pre-entry code without a version")
    if int(version_text) not in KNOWN_VERSIONS:
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
    version, expires, made_in_practice = (
        _version_two(data) if int(version_text) == 2 else (None, None, False)
    )
    if made_in_practice and not practice:
        raise PreEntryError("scan_practice_code", "a practice code at a kiosk taking real ones")
    if expires is not None and expires < (today or date.today()):
        raise PreEntryError("scan_expired", "the pre-entry code has expired")
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
        group = procedure.group(page_id) if isinstance(page_id, str) else None
        if group is not None:  # a repeated group: a list of objects, one per member
            answers[page_id], more = _members(value, group, pages)
            refused += more
            continue
        if procedure.group_of(page_id) is not None:
            refused.append(str(page_id))  # a member's page only travels inside its member
            continue
        kind = pages.get(page_id)
        unusable = kind is None or kind is FieldType.MY_NUMBER or not _plain_answer(value)
        # A chosen town belongs to a postal code; on any other page it is asked instead.
        if unusable or (isinstance(value, dict) and kind is not FieldType.POSTAL_CODE):
            refused.append(str(page_id))
        else:
            answers[page_id] = value
    return PreEntry(
        procedure.id,
        answers,
        tuple(refused),
        procedure_version=version,
        expires=expires,
        practice=made_in_practice,
        current=procedure.version,
    )
