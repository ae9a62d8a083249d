"""An application's answers as the counter reads them: the catalog's Japanese label for each
question (its review_label where it has one), the option's label for a choice (never a raw
value), phone numbers with hyphens, dates in 和暦 and 西暦, and characters older systems cannot
take flagged (backend/console/jis.py), grouped by the catalog's form sections. Also the
documents to see and the fee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from backend.console.jis import Flag, flags
from core.catalog import APPLICANT_PAGE, Applicant, FieldType, Group, Page, Procedure
from core.fees import fee_breakdown, fee_summary_ja
from core.fields import display_value
from core.i18n import UiText
from core.paper_form import DEFAULT_SECTION_TITLE, SectionKind

TEXTUAL = {FieldType.KANJI_NAME, FieldType.KANA_NAME, FieldType.ADDRESS, FieldType.TEXT}
APPLICANT_KEYS = {
    Applicant.SELF.value: "applicant_self",
    Applicant.HOUSEHOLD.value: "applicant_household",
    Applicant.PROXY.value: "applicant_proxy",
}


@cache
def ui() -> UiText:
    return UiText.load()


@dataclass(frozen=True)
class AnswerLine:
    label: str
    text: str
    flags: list[Flag] = field(default_factory=list)
    unknown: bool = False  # an answer this catalog's procedure does not ask (another version)
    field_id: str = ""


@dataclass(frozen=True)
class AnswerSection:
    """A part of the paper form (届出人, 新しい住所 …) with its answers, as the catalog groups
    them; the console's application page and the printed 申請書 show the same sections."""

    title: str
    kind: str
    lines: list[AnswerLine]


UNKNOWN_SECTION = "いまの手続きにない項目"


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dict):
        return "、".join(f"{key}: {_plain(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_plain(item) for item in value)
    return "" if value is None else str(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def _flags_of(value: Any) -> list[Flag]:
    seen: dict[str, Flag] = {}
    for text in _strings(value):
        for flag in flags(text):
            seen.setdefault(flag.text, flag)
    return list(seen.values())


def lines(procedure: Procedure | None, answers: dict[str, Any]) -> list[AnswerLine]:
    """Every answer, in the procedure's page order, then any the catalog does not know."""
    shown: list[AnswerLine] = []
    left = dict(answers)
    text = ui()
    if APPLICANT_PAGE in left:
        value = left.pop(APPLICANT_PAGE)
        key = APPLICANT_KEYS.get(str(value))
        shown.append(
            AnswerLine(
                text.get("applicant_review_label", "ja"),
                text.get(key, "ja") if key else _plain(value),
                field_id=APPLICANT_PAGE,
            )
        )
    for page in procedure.pages if procedure else ():
        group = procedure.group_of(page.id) if procedure else None
        if group is not None and page.id == group.pages[0] and group.id in left:
            shown += _member_lines(procedure, group, left.pop(group.id))
        if page.id not in left or group is not None:
            continue
        value = left.pop(page.id)
        shown.append(_line(page, value, page.label.text("ja"), page.id))
    for field_id, value in left.items():
        shown.append(
            AnswerLine(field_id, _plain(value), _flags_of(value), unknown=True, field_id=field_id)
        )
    return shown


def _line(page: Page, value: Any, label: str, field_id: str) -> AnswerLine:
    try:
        words = display_value(page, value, "ja", ui())
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        words = _plain(value)  # an answer of an unexpected shape: still shown, as text
    return AnswerLine(label, words, _flags_of(value), field_id=field_id)


def _member_lines(procedure: Procedure, group: Group, members: Any) -> list[AnswerLine]:
    """A repeated group's answer (a list, one object per member): a line per member and
    page, labelled 「2人目の方 氏名」, as the paper form's rows."""
    pages = {page.id: page for page in procedure.pages}
    found = []
    listed = members if isinstance(members, list) else []
    for number, member in enumerate(listed, start=1):
        if not isinstance(member, Mapping):
            found.append(AnswerLine(group.id, _plain(member), unknown=True, field_id=group.id))
            continue
        who = group.label_for(number).text("ja")
        for page_id in group.pages:
            if page_id in member:
                label = f"{who}　{pages[page_id].label.text('ja')}"
                found.append(_line(pages[page_id], member[page_id], label, f"{page_id}#{number}"))
    return found


def member_field(field_id: str) -> str:
    """ "mover_name#2" → "mover_name": the catalog page a member's line answers."""
    name, _, number = field_id.partition("#")
    return name if number.isascii() and number.isdigit() else field_id


def sections(procedure: Procedure | None, answers: dict[str, Any]) -> list[AnswerSection]:
    """lines() grouped by the procedure's form sections, each in its section's page order;
    who applies (本人・代理人) heads the applicant section (else the first), answers the catalog
    does not know come last, and a section with no answer is left out."""
    every = lines(procedure, answers)
    if procedure is None:
        return [AnswerSection(DEFAULT_SECTION_TITLE, SectionKind.REQUEST.value, every)]
    by_field = {line.field_id: line for line in every if not line.unknown}
    groups = procedure.form_sections
    applicant_at = next(
        (index for index, group in enumerate(groups) if group.kind is SectionKind.APPLICANT), 0
    )
    found = []
    for index, group in enumerate(groups):
        ids = ([APPLICANT_PAGE] if index == applicant_at else []) + list(group.pages)
        shown = [by_field[field_id] for field_id in ids if field_id in by_field]
        # A group's member lines stand where the section lists the group's first page.
        firsts = {g.pages[0]: g for g in procedure.groups if g.pages[0] in group.pages}
        if firsts:
            shown = []
            for field_id in ids:
                if field_id in firsts:
                    shown += [
                        line
                        for line in every
                        if member_field(line.field_id) in firsts[field_id].pages
                        and line.field_id != member_field(line.field_id)
                    ]
                elif field_id in by_field:
                    shown.append(by_field[field_id])
        if shown:
            found.append(AnswerSection(group.title.text("ja"), group.kind.value, shown))
    unknown = [line for line in every if line.unknown]
    if unknown:
        found.append(AnswerSection(UNKNOWN_SECTION, SectionKind.REQUEST.value, unknown))
    return found


def documents(procedure: Procedure | None, answers: dict[str, Any]) -> list[str]:
    """What the resident was told to bring, for these answers (a proxy: the 委任状 first)."""
    if procedure is None:
        return []
    found = []
    for document in procedure.bring:
        try:
            applies = document.show_if is None or document.show_if.holds(answers)
        except (TypeError, ValueError):
            applies = True  # shown when unsure: the clerk decides
        if applies:
            found.append(document.text.text("ja"))
    if answers.get(APPLICANT_PAGE) == Applicant.PROXY.value:
        found.insert(0, ui().get("bring_power_of_attorney", "ja"))
    return found


def fee_text(procedure: Procedure | None, amounts: Mapping[str, Any], answers: dict) -> str:
    """The fee for staff: "1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）", "300円" or
    なし (core.fees, the lines the resident saw on review and receipt)."""
    if procedure is None:
        return "なし"
    return fee_summary_ja(fee_breakdown(procedure, answers, amounts))
