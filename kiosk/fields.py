"""Field rules: each turns a resident's raw input into a clean value or a plain-words message.

Validators never raise on bad input; they return Invalid with the UI text key of the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.catalog import FieldType, Page
from kiosk.i18n import UiText


@dataclass(frozen=True)
class Valid:
    value: Any


@dataclass(frozen=True)
class Invalid:
    message_key: str  # a key of assets/i18n/ui.toml
    values: tuple[tuple[str, object], ...] = ()


FieldResult = Valid | Invalid


def _validate_copies(page: Page, raw: object) -> FieldResult:
    try:
        count = int(str(raw).strip()) if raw is not None and str(raw).strip() else None
    except ValueError:
        count = None
    if count is None:
        return Invalid("error_copies_missing")
    if not page.minimum <= count <= page.maximum:
        return Invalid("error_copies_range", (("low", page.minimum), ("high", page.maximum)))
    return Valid(count)


def _validate_choice(page: Page, raw: object) -> FieldResult:
    values = {option.value for option in page.options}
    if raw in values:
        return Valid(raw)
    return Invalid("error_choice_missing")


_VALIDATORS = {
    FieldType.COPIES: _validate_copies,
    FieldType.CHOICE: _validate_choice,
}


def validate(page: Page, raw: object) -> FieldResult:
    return _VALIDATORS[page.type](page, raw)


def display_value(page: Page, value: Any, language: str, ui: UiText) -> str:
    """How an answer reads back on the review page and the staff form."""
    if page.type is FieldType.COPIES:
        return ui.get("copies_unit", language, count=value)
    if page.type is FieldType.CHOICE:
        for option in page.options:
            if option.value == value:
                return option.label.text(language)
    return str(value)
