"""What many GUI tests do the same way: tap like a finger, show a kiosk window, use the demo
card."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.card_session import CardStep
from kiosk.qtbridge import QtEventBridge
from screens.theme import Look
from screens.window import KioskWindow

WAIT_MS = 10_000


def tap(qtbot, button) -> None:
    """A real mouse press and release on a button a resident can see and use."""
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def show_window(services, qtbot, look: Look | None = None) -> KioskWindow:
    """The kiosk window at the counter terminal's size, closed by qtbot after the test."""
    settings = services.settings
    window = KioskWindow(
        services, QtEventBridge(services.events), look or Look(settings.theme, settings.text_size)
    )
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    return window


def card_step(window) -> CardStep | None:
    """The step of the card page on screen; None when no card is being read."""
    page = window.navigator.card_page
    return page.step if page is not None else None


def use_demo_card(qtbot, window) -> None:
    """Place the demo card, type its PIN, take it once read (from the card page)."""
    tap(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=WAIT_MS)
    for digit in window.services.card_reading.demo_pin:
        tap(qtbot, window.card.pad_buttons[digit])
    tap(qtbot, window.card.primary_button)
    qtbot.waitUntil(lambda: card_step(window) is CardStep.TAKE_CARD, timeout=WAIT_MS)
    tap(qtbot, window.card.demo_take)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is not window.card, timeout=WAIT_MS)
