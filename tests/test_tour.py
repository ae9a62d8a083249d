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
    "technician-pin",
    "technician-menu",
]


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
    theme, text_size, services, japanese_qapp, tmp_path: Path, monkeypatch
):
    services.settings = services.settings.model_copy(
        update={"theme": theme, "text_size": text_size}
    )
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
    written = walk(services, QtEventBridge(services.events), tmp_path, PROFILE_SIZES, Look)
    assert [path.stem.split("-", 1)[1] for path in written] == EXPECTED_SCREENS
    for path in written:
        assert path.stat().st_size > 10_000, path  # a real rendering, not an empty image
    assert problems == []


def test_text_sizes_grow():
    sizes = [Look(Theme.STANDARD, size).body_px for size in TextSize]
    assert sizes == sorted(sizes) and sizes[0] >= 32 and sizes[-1] >= 48
