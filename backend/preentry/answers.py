"""Between the phone's form fields and the flow engine's answers, both ways, and the answers
as the QR code carries them.

What a field gives is handed to core.validators exactly as the kiosk's touch input would give
it (a 和暦 date as the era picker's {era, year, month, day}, a postal code as its digits or with
the chosen town); nothing here decides whether an answer is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.preentry.form import FormFields
from core.catalog import APPLICANT_PAGE, Applicant, FieldType, Group, Page
from core.i18n import UiText
from core.wareki import ERA_SPANS, LATIN_NAMES, SEIREKI, wareki_parts

MAX_FIELD_CHARS = 2000  # no page takes more (catalog max_length ≤ 2000)
DATE_PARTS = ("era", "year", "month", "day")


@dataclass(frozen=True)
class FieldValues:
    """What the page's inputs show: the resident's input as typed (after an error) or the
    stored answer as a form shows it (after back or change)."""

    text: str = ""
    chosen: tuple[str, ...] = ()
    date: dict[str, str] = field(default_factory=dict)
    code: str = ""
    town: int | None = None


def _text(form: FormFields, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


def raw_answer(page: Page, form: FormFields, towns: list[dict[str, str]]) -> object:
    """The answer the page's fields give, as the kiosk's input would hand it to the rules.
    towns: the postal code's addresses, in the order the page offered them."""
    kind = page.type
    if kind is FieldType.MULTIPLE_CHOICE:
        return [value for value in form.getlist("answer") if isinstance(value, str)][:50]
    if kind is FieldType.CONSENT:
        return True if form.get("answer") == "agree" else None
    if kind is FieldType.DATE:
        parts = {part: _text(form, part) for part in DATE_PARTS}
        return parts if any(parts.values()) else None
    if kind is FieldType.POSTAL_CODE:
        code, town = _text(form, "code"), town_index(form)
        if town is not None and town < len(towns):
            return {"code": code, "chosen": towns[town]}
        return code
    if kind in (FieldType.SINGLE_CHOICE, FieldType.YES_NO):
        value = form.get("answer")
        return value if isinstance(value, str) else None
    return _text(form, "answer")


def town_index(form: FormFields) -> int | None:
    value = form.get("town")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        return int(value)
    return None


def typed_values(page: Page, raw: object) -> FieldValues:
    """The resident's input shown again next to the message that refused it."""
    if page.type is FieldType.DATE and isinstance(raw, dict):
        return FieldValues(date={part: str(raw.get(part) or "") for part in DATE_PARTS})
    if page.type is FieldType.POSTAL_CODE:
        code = raw.get("code") if isinstance(raw, dict) else raw
        return FieldValues(code=str(code or ""))
    if isinstance(raw, list):
        return FieldValues(chosen=tuple(str(item) for item in raw))
    if isinstance(raw, bool):
        return FieldValues(chosen=("agree",) if raw else ())
    text = "" if raw is None else str(raw)
    return FieldValues(text=text, chosen=(text,))


def stored_values(page: Page, value: Any, language: str) -> FieldValues:
    """A kept answer as the page's inputs show it (back, or change from the review)."""
    if value is None:
        return FieldValues()
    kind = page.type
    if kind is FieldType.DATE:
        day = date.fromisoformat(value)
        if language.startswith("ja"):  # a Japanese reader sees it as 和暦, as typed
            era, year, month, day_of_month = wareki_parts(day)
            parts = (era, year, month, day_of_month)
        else:
            parts = (SEIREKI, day.year, day.month, day.day)
        return FieldValues(date=dict(zip(DATE_PARTS, map(str, parts), strict=True)))
    if kind is FieldType.POSTAL_CODE:
        candidates = value.get("candidates", [])
        chosen = value.get("chosen")
        town = candidates.index(chosen) if chosen in candidates else None
        return FieldValues(code=value["code"], town=town)
    if kind is FieldType.MULTIPLE_CHOICE:
        return FieldValues(chosen=tuple(value))
    if kind is FieldType.YES_NO:
        return FieldValues(chosen=("yes" if value else "no",))
    if kind is FieldType.CONSENT:
        return FieldValues(chosen=("agree",) if value else ())
    return FieldValues(text=str(value), chosen=(str(value),))


def era_choices(language: str, ui: UiText) -> list[tuple[str, str]]:
    """(value, label) of the era picker: 令和 … 明治, then 西暦 — the kiosk's order."""
    choices = []
    for span in ERA_SPANS:
        if span.name == SEIREKI:
            choices.append((SEIREKI, ui.get("pre_date_western", language)))
        elif language.startswith("ja"):
            choices.append((span.name, span.name))
        else:
            choices.append((span.name, f"{LATIN_NAMES[span.name]} {span.name}"))
    return choices


def payload_answers(
    answers: dict[str, Any], pages: dict[str, Page], groups: tuple[Group, ...] = ()
) -> dict[str, Any]:
    """The session's answers as the QR carries them (docs/PREENTRY.md): as typed input gives
    them, so a postal code is its digits and the chosen town, not the code's whole list; a
    repeated group's members as lists in the group's page order (the page ids said once in
    the catalog, not once per member: a household of four fits a code the scanner reads)."""
    carried: dict[str, Any] = {}
    by_id = {group.id: group for group in groups}
    for page_id, value in answers.items():
        page = pages.get(page_id)
        group = by_id.get(page_id)
        if group is not None and isinstance(value, list):
            rows = [member_row(member, group) for member in value]
            if rows and answers.get(APPLICANT_PAGE) != Applicant.PROXY:
                rows[0] = first_member_row(value[0], group, answers)
            carried[page_id] = rows
        elif page is not None and page.type is FieldType.POSTAL_CODE and isinstance(value, dict):
            chosen = value.get("chosen")
            carried[page_id] = (
                {"code": value["code"], "chosen": chosen} if chosen else value["code"]
            )
        else:
            carried[page_id] = value
    return carried


def member_row(member: dict[str, Any], group: Group) -> list[Any]:
    """{"mover_name": …, "mover_sex": …} → [name, kana, birth date, sex, relation] in the
    group's page order, null where a page was not answered, without trailing nulls."""
    row = [member.get(page_id) for page_id in group.pages]
    while row and row[-1] is None:
        row.pop()
    return row


def first_member_row(member: dict[str, Any], group: Group, answers: dict[str, Any]) -> list[Any]:
    """The first member's row without what the kiosk takes from the applicant's own answers
    (first_from: the name, reading and birth date are in the code once)."""
    same = {p for p, source in group.first_from.items() if member.get(p) == answers.get(source)}
    return member_row({p: v for p, v in member.items() if p not in same}, group)
