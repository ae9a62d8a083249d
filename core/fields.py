"""How a stored answer reads back to a person: on the review page, the receipt, the staff form.

Validation lives in core.validators; this is only the way back from a stored value to words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.catalog import FieldType, Page
from core.i18n import UiText
from core.name_choice import is_name_answer, name_text
from core.phone import format_phone
from core.wareki import to_wareki


def _date(value: str, language: str) -> str:
    day = date.fromisoformat(value)
    western = (
        f"{day.year}年{day.month}月{day.day}日" if language.startswith("ja") else day.isoformat()
    )
    return (
        f"{to_wareki(day)}（{western}）"
        if language.startswith("ja")
        else f"{western} ({to_wareki(day)})"
    )


def _option_label(page: Page, value: str, language: str) -> str:
    for option in page.options:
        if option.value == value:
            return option.label.text(language)
    return str(value)


def postal_text(value: Any) -> str:
    """〒060-0001 北海道札幌市中央区北一条西: a postal-code answer and its chosen town."""
    code = value["code"] if isinstance(value, dict) else str(value)
    chosen = value.get("chosen") if isinstance(value, dict) else None
    town = "".join(chosen[part] for part in ("prefecture", "city", "town")) if chosen else ""
    return f"〒{code[:3]}-{code[3:]} {town}".rstrip()


def display_value(page: Page, value: Any, language: str, ui: UiText) -> str:
    if value is None:
        return ui.get("not_answered", language)
    kind = page.type
    if kind is FieldType.COPIES:
        return ui.get("copies_unit", language, count=value)
    if kind is FieldType.SINGLE_CHOICE:
        return _option_label(page, value, language)
    if kind is FieldType.MULTIPLE_CHOICE:
        return "、".join(_option_label(page, item, language) for item in value)
    if kind is FieldType.YES_NO:
        return ui.get("yes" if value else "no", language)
    if kind is FieldType.CONSENT:
        return ui.get("agreed", language)
    if kind is FieldType.DATE:
        return _date(value, language)
    if kind is FieldType.POSTAL_CODE:
        return postal_text(value)
    if kind is FieldType.PHONE:
        return format_phone(str(value))  # stored as digits, read with the plan's hyphens
    if kind is FieldType.KANJI_NAME and is_name_answer(value):
        # The kanji with their reading; a name kept in kana says that staff must confirm it.
        return name_text(value, ui.get("name_not_confirmed", language))
    if kind is FieldType.MY_NUMBER:
        # Shown on screen only masked: someone may be standing behind the resident.
        return "●●●● ●●●● " + str(value)[-4:]
    if kind is FieldType.NUMBER and page.unit is not None:
        return f"{value}{page.unit.text(language)}"
    return str(value)
