"""Every shipped procedure, completed by touch alone on the kiosk screen: the card (where the
procedure takes card items) with the demo card, then each page with its touch widget."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kiosk.app import build_services
from kiosk.catalog import Catalog
from kiosk.qtbridge import QtEventBridge
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.number_pad import NumberPad
from screens.postal_entry import PostalEntry
from screens.question import ChoiceButtons, Stepper
from screens.theme import Look
from screens.wareki_picker import WarekiPicker
from screens.window import KioskWindow

WAIT_MS = 10_000
OFFERED = [procedure.id for procedure in Catalog.load("sample-city").procedures()]
PAD_ANSWERS = {"phone": "09012345678", "my_number": "621498320257"}


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    window = KioskWindow(services, QtEventBridge(services.events), Look(settings.theme, "standard"))
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    yield window, services
    window.close()
    services.close()


def tap(qtbot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_kana(qtbot, keyboard: KanaKeyboard, text: str, mode: KeyboardMode) -> None:
    tap(qtbot, keyboard.mode_keys[mode])
    for character in text:
        tap(qtbot, keyboard.key(character))


def answer(qtbot, page, widget) -> None:
    """What a resident would touch for this page."""
    if isinstance(widget, ChoiceButtons):
        if widget.value() in (None, []):
            preferred = "self" if "self" in widget.options() else widget.options()[0]
            tap(qtbot, widget.button(preferred))
    elif isinstance(widget, Stepper):
        pass  # the offered count is an answer
    elif isinstance(widget, KanaKeyboard):
        if page.type.value == "kana_name":
            type_kana(qtbot, widget, "ヤマ", KeyboardMode.KATAKANA)
        elif page.type.value == "address":
            type_kana(qtbot, widget, "1-2-3", KeyboardMode.DIGITS)
        else:
            type_kana(qtbot, widget, "やま", KeyboardMode.HIRAGANA)
    elif isinstance(widget, NumberPad):
        for digit in PAD_ANSWERS[page.type.value]:
            tap(qtbot, widget.digit_keys[digit])
    elif isinstance(widget, PostalEntry):
        for digit in "1000001":
            tap(qtbot, widget.pad.digit_keys[digit])
        tap(qtbot, widget.candidate_keys[0])
    elif isinstance(widget, WarekiPicker):
        era = next(key for key in widget.era_keys.values() if key.isEnabled())
        tap(qtbot, era)
        tap(qtbot, next(key for key in widget.month_keys.values() if key.isEnabled()))
        tap(qtbot, next(key for key in widget.day_keys.values() if key.isEnabled()))
    else:
        raise AssertionError(f"no touch answer for {page.id} ({type(widget).__name__})")


def use_the_demo_card(qtbot, window, services) -> None:
    tap(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=WAIT_MS)
    for digit in services.card_reading.demo_pin:
        tap(qtbot, window.card.pad_buttons[digit])
    tap(qtbot, window.card.primary_button)
    qtbot.waitUntil(lambda: (window._card_page or {}).get("step") == "take_card", timeout=WAIT_MS)
    tap(qtbot, window.card.demo_take)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is not window.card, timeout=WAIT_MS)


@pytest.mark.parametrize("procedure_id", OFFERED)
def test_every_procedure_can_be_completed_by_touch(kiosk, qtbot, procedure_id):
    window, services = kiosk
    procedure = services.catalog.procedure(procedure_id)
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    tap(qtbot, window.menu.procedure_buttons[procedure_id])
    if procedure.prefill:
        assert window.stack.currentWidget() is window.card
        use_the_demo_card(qtbot, window, services)
        for page_id in procedure.prefill.values():
            assert window.session.answer_for(page_id) is not None, page_id
    for _ in range(60):
        if window.stack.currentWidget() is not window.question:
            break
        page = window.session.page
        answer(qtbot, page, window.question.input)
        tap(qtbot, window.question.primary_button)
        if window.question.isVisible() and window.question.error.isVisible():
            raise AssertionError(f"{procedure_id}.{page.id}: {window.question.error.text()}")
    assert window.stack.currentWidget() is window.review, procedure_id
    tap(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion, procedure_id
    assert window.completion.number.text().startswith("A-")
