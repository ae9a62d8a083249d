"""`kiosk tour` renders every screen; each rendered screen meets UX.md's basic numbers."""

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.app import PROFILE_SIZES
from kiosk.config import TextSize, Theme
from kiosk.qtbridge import QtEventBridge
from screens.theme import MIN_TARGET_PX, PALETTES, Look
from screens.tour import walk

EXPECTED_SCREENS = [
    "home",
    "home-ja-easy",
    "home-en",
    "menu",
    "menu-certificates",
    "question-applicant",
    "question-applicant-error",
    "question-copies",
    "question-purpose",
    "review",
    "staff-call",
    "idle-warning",
    "completion",
    "scan",
    "scan-problem",
    "navi-events",
    "navi-question",
    "navi-plan",
    "technician-pin",
    "technician-menu",
    "card-place",
    "card-pin",
    "card-pin-wrong",
    "card-take",
]
# Then 転居届's own pages, whatever the catalog asks (kana, date, postal code …), and review.
CARD_PAGES = ("card-question-kana", "card-question-moving_date", "card-question-postal_code")


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = []
        for value in QColor(colour).getRgbF()[:3]:
            channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
        r, g, b_ = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", list(Theme))
def test_every_text_colour_pair_reaches_7_to_1(theme):
    p = PALETTES[theme]
    pairs = [
        (p.text, p.background),
        (p.muted_text, p.background),
        (p.error_text, p.background),
        (p.primary_text, p.primary_bg),
        (p.button_text, p.button_bg),
        (p.alert_text, p.alert_bg),
        (p.selected_text, p.selected_bg),
    ]
    for text, background in pairs:
        assert contrast(text, background) >= 7.0, (theme, text, background)


@pytest.mark.parametrize("text_size", list(TextSize))
@pytest.mark.parametrize("theme", list(Theme))
def test_tour_writes_every_screen_and_each_meets_the_size_rules(
    theme, text_size, settings, kiosk_paths, japanese_qapp, tmp_path: Path, monkeypatch
):
    from kiosk.app import build_services

    # With the demo card and a scanner, so the card pages and the pre-entry button show too.
    update = {"theme": theme, "text_size": text_size, "card_reader": "sim", "scanner": "sim"}
    services = build_services(settings.model_copy(update=update), kiosk_paths)
    request_close = services.close
    problems = []
    import screens.tour as tour

    original = tour.KioskWindow

    class CheckedWindow(original):
        def grab(self, *args):
            screen = self.stack.currentWidget().objectName()
            if (self.width(), self.height()) != PROFILE_SIZES[services.settings.profile]:
                # The layout forced the window past the display: something is cut off.
                problems.append(f"{screen}: needs {self.width()}x{self.height()} px")
            for button in self.findChildren(QPushButton):
                if button.isVisibleTo(self):
                    size = button.size()
                    if min(size.width(), size.height()) < MIN_TARGET_PX:
                        problems.append(f"{screen}: button {button.objectName()} {size}")
            for label in self.findChildren(QLabel):
                visible = label.isVisibleTo(self) and label.text()
                if visible and QFontInfo(label.font()).pixelSize() < 24:
                    problems.append(f"{screen}: label {label.objectName()} under 24 px")
            return super().grab(*args)

    monkeypatch.setattr(tour, "KioskWindow", CheckedWindow)
    try:
        written = walk(services, QtEventBridge(services.events), tmp_path, PROFILE_SIZES, Look)
    finally:
        request_close()
    names = [path.stem.split("-", 1)[1] for path in written]
    assert names[: len(EXPECTED_SCREENS)] == EXPECTED_SCREENS
    rest = names[len(EXPECTED_SCREENS) :]
    assert rest[-1] == "card-review" and set(CARD_PAGES) <= set(rest[:-1])
    assert all(name.startswith("card-question-") for name in rest[:-1])
    for path in written:
        assert path.stat().st_size > 10_000, path  # a real rendering, not an empty image
    assert problems == []


def test_text_sizes_grow():
    sizes = [Look(Theme.STANDARD, size).body_px for size in TextSize]
    assert sizes == sorted(sizes) and sizes[0] >= 32 and sizes[-1] >= 48
