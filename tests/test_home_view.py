"""Text size and colours from the home screen, for this resident only: the next resident
(after finishing, starting over or walking away) gets the kiosk's own settings back."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontInfo

from kiosk.config import TextSize, Theme
from screens.theme import Look
from tests.gui import show_window, tap


@pytest.fixture
def window(services, japanese_qapp, qtbot):
    return show_window(services, qtbot, Look(Theme.STANDARD, TextSize.STANDARD))


def greeting_px(window) -> int:
    return QFontInfo(window.home.greeting.font()).pixelSize()


def test_text_size_cycles_and_the_text_really_grows(window, qtbot):
    sizes = [greeting_px(window)]
    assert window.home.text_size_button.text() == "文字の大きさ：標準"
    for expected in ("大", "特大", "標準"):
        tap(qtbot, window.home.text_size_button)
        assert window.home.text_size_button.text() == f"文字の大きさ：{expected}"
        sizes.append(greeting_px(window))
    assert sizes == [32, 40, 48, 32]


def test_contrast_switches_the_colours(window, qtbot):
    tap(qtbot, window.home.contrast_button)
    assert window.look.theme is Theme.HIGH_CONTRAST
    assert window.home.contrast_button.text() == "ふつうの色にもどす"
    assert Look(Theme.HIGH_CONTRAST, TextSize.STANDARD).palette.background in window.styleSheet()


def test_the_next_resident_gets_the_kiosk_settings_back(window, qtbot):
    tap(qtbot, window.home.language_buttons["en"])
    tap(qtbot, window.home.text_size_button)
    tap(qtbot, window.home.contrast_button)
    tap(qtbot, window.home.primary_button)
    assert greeting_px(window) == 40 and window.language == "en"
    tap(qtbot, window.menu.start_over_button)
    assert window.stack.currentWidget() is window.home
    assert window.look == Look(Theme.STANDARD, TextSize.STANDARD)
    assert window.language == "ja" and greeting_px(window) == 32


def test_the_language_button_offers_all_seven_common_ui_languages(window, qtbot):
    tap(qtbot, window.home.language_button)
    overlay = window.language_overlay
    assert set(overlay.buttons) == {"ja", "ja-easy", "en", "zh", "ko", "pt", "vi"}
    tap(qtbot, overlay.buttons["vi"])
    assert window.language == "vi"
    assert window.home.primary_button.text() == "Bắt đầu"
    assert not any(button.isChecked() for button in window.home.language_buttons.values())
    tap(qtbot, window.home.primary_button)
    assert window.menu.heading.text() == "Vui lòng chọn thủ tục"
