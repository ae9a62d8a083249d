"""An application's answers as the counter reads them: the catalog's Japanese label for each
question (its review_label where it has one), the option's label for a choice (never a raw
value), phone numbers with hyphens, dates in 和暦 and 西暦, and characters older systems cannot
take flagged (backend/console/jis.py). Also the documents to see and the fee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from backend.console.jis import Flag, flags
from core.catalog import APPLICANT_PAGE, Applicant, FieldType, Procedure
from core.fields import display_value
from core.i18n import UiText

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
            )
        )
    for page in procedure.pages if procedure else ():
        if page.id not in left:
            continue
        value = left.pop(page.id)
        try:
            words = display_value(page, value, "ja", text)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            words = _plain(value)  # an answer of an unexpected shape: still shown, as text
        shown.append(AnswerLine(page.label.text("ja"), words, _flags_of(value)))
    for field_id, value in left.items():
        shown.append(AnswerLine(field_id, _plain(value), _flags_of(value), unknown=True))
    return shown


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


def fee_text(procedure: Procedure | None, amounts: dict[str, int], answers: dict) -> str:
    if procedure is None or not procedure.fee or procedure.fee not in amounts:
        return "なし"
    unit = amounts[procedure.fee]
    count = answers.get(procedure.fee_units) if procedure.fee_units else 1
    count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
    if count == 1:
        return f"{unit:,}円"
    return f"{unit * count:,}円（{unit:,}円 × {count}）"
