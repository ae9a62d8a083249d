"""`kiosk tour` renders every screen; each rendered screen meets UX.md's basic numbers."""

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton, QStyle, QStyleOptionButton

from core.catalog import FieldType
from core.flow import Step
from kiosk.app import PROFILE_SIZES
from kiosk.config import TextSize, Theme
from kiosk.qtbridge import QtEventBridge
from screens.metrics import metrics_for
from screens.theme import PALETTES, Look
from screens.tour import walk
from screens.widgets import Overlay

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
    "device-problem",
    "scan",
    "scan-problem",
    "scan-sample-review",
    "navi-events",
    "navi-question",
    "navi-plan",
    "technician-pin",
    "technician-menu",
    "technician-sync",
    "technician-catalog",
    "technician-log",
    "technician-devices",
    "technician-settings",
    "technician-out-of-service",
    "technician-support",
    "technician-setup",
    "out-of-service",
    # 手続きナビ's 引っ越し, 転入 for two (the second a child): 児童手当 joins the day.
    "household-question-more",
    "household-question-second-person",
    "household-review",
    "household-review-people",
    "household-completion-next-added",
    "card-place",
    "card-pin",
    "card-pin-wrong",
    "card-take",
]
# Then 転居届's own pages, whatever the catalog asks (kana, date, postal code …), and review.
CARD_PAGES = ("card-question-kana", "card-question-moving_date", "card-question-postal_code")
# Last, addresses outside the municipality: a card registered elsewhere, an error in the hint's
# place on a keyboard page, and a postal code outside the city typed on 転居届.
OUTSIDE_SCREENS = [
    "elsewhere-card",
    "manual-question-old_address-error",
    "manual-question-postal_code-outside",
    "elsewhere-typed",
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


MIN_GAP_PX = 8  # UX.md: at least 8 px between targets
# Pages where "back" or "start over" mean nothing (nothing entered yet, or already done).
NO_BACK = {"home", "completion"}


def spacing_problems(screen: str, window, targets) -> list[str]:
    """Targets closer than MIN_GAP_PX (or overlapping), named by both widgets."""
    # The part a finger can reach: a row half scrolled out of view is clipped by its viewport.
    boxes = [
        (
            button.objectName(),
            button.visibleRegion().boundingRect().translated(button.mapTo(window, QPoint(0, 0))),
        )
        for button in targets
        if not button.visibleRegion().isEmpty()
    ]
    found = []
    for index, (name, box) in enumerate(boxes):
        grown = box.adjusted(-MIN_GAP_PX + 1, -MIN_GAP_PX + 1, MIN_GAP_PX - 1, MIN_GAP_PX - 1)
        for other_name, other in boxes[index + 1 :]:
            if grown.intersects(other):
                found.append(f"{screen}: {name} and {other_name} closer than {MIN_GAP_PX} px")
    return found


def footer_problems(screen: str, page) -> list[str]:
    """Every page offers 職員を呼ぶ; every page but home and completion back and 最初から."""
    wanted = [page.staff_button]
    if screen not in NO_BACK:
        wanted += [page.back_button, page.start_over_button]
    return [
        f"{screen}: no visible {button.objectName()}"
        for button in wanted
        if not button.isVisibleTo(page) or not button.text()
    ]


@pytest.mark.parametrize("text_size", list(TextSize))
@pytest.mark.parametrize("theme", list(Theme))
def test_tour_writes_every_screen_and_each_meets_the_size_rules(
    theme, text_size, settings, kiosk_paths, japanese_qapp, tmp_path: Path, monkeypatch
):
    checked_tour(
        {"theme": theme, "text_size": text_size}, settings, kiosk_paths, tmp_path, monkeypatch
    )


@pytest.mark.parametrize("language", ["ja-easy", "en", "pt", "vi"])
def test_every_screen_fits_in_the_longer_languages_at_the_largest_size(
    language, settings, kiosk_paths, japanese_qapp, tmp_path: Path, monkeypatch
):
    update = {"language": language, "text_size": TextSize.LARGEST}
    checked_tour(update, settings, kiosk_paths, tmp_path, monkeypatch)


def checked_tour(update, settings, kiosk_paths, tmp_path: Path, monkeypatch) -> list[str]:
    """The whole tour, every screen checked: fits the display, targets, spacing, text, footer.

    The numbers are the profile's (screens.metrics): 84 px targets and 24 px text on the
    kiosk, 48 px and 16 px on the phone. Returns the screens' names, for further checks."""
    from kiosk.cli.local_backend import build_services

    # With the demo card and a scanner, so the card pages and the pre-entry button show too.
    update = {**update, "card_reader": "sim", "scanner": "sim"}
    services = build_services(settings.model_copy(update=update), kiosk_paths)
    metrics = metrics_for(services.settings.profile)
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
            overlay = next((o for o in self.findChildren(Overlay) if o.isVisibleTo(self)), None)
            # With an overlay up, only its own buttons can be touched.
            scope = overlay or self
            targets = [b for b in scope.findChildren(QPushButton) if b.isVisibleTo(self)]
            for button in targets:
                size = button.size()
                if min(size.width(), size.height()) < metrics.min_target_px:
                    problems.append(f"{screen}: button {button.objectName()} {size}")
            problems.extend(spacing_problems(screen, self, targets))
            if overlay is None:
                problems.extend(footer_problems(screen, self.stack.currentWidget()))
            for label in self.findChildren(QLabel):
                visible = label.isVisibleTo(self) and label.text()
                if visible and QFontInfo(label.font()).pixelSize() < metrics.smallest_px:
                    problems.append(f"{screen}: label {label.objectName()} too small")
            if metrics.narrow:
                problems.extend(phone_problems(screen, self, targets, metrics))
            return super().grab(*args)

    monkeypatch.setattr(tour, "KioskWindow", CheckedWindow)
    try:
        written = walk(services, QtEventBridge(services.events), tmp_path, PROFILE_SIZES, Look)
    finally:
        request_close()
    names = [path.stem.split("-", 1)[1] for path in written]
    assert names[: len(EXPECTED_SCREENS)] == EXPECTED_SCREENS
    rest = names[len(EXPECTED_SCREENS) :]
    assert rest[-len(OUTSIDE_SCREENS) :] == OUTSIDE_SCREENS
    rest = rest[: -len(OUTSIDE_SCREENS)]
    if rest[-1] == "card-review-scrolled":  # the review's next page of whole rows
        rest = rest[:-1]
    assert rest[-1] == "card-review" and set(CARD_PAGES) <= set(rest[:-1])
    assert all(name.startswith("card-question-") for name in rest[:-1])
    for path in written:
        assert path.stat().st_size > 10_000, path  # a real rendering, not an empty image
    assert problems == [], "\n".join(problems)
    return names


def shows_whole_on_a_phone(window) -> bool:
    """The phone pages that show whole between the header and the footer at every text size,
    in Japanese and English: the first page, the card's (its PIN pad), the kana keyboard, and
    the page that says an address is outside the city (a page that scrolls there is a
    keyboard or a reason missed)."""
    page = window.stack.currentWidget()
    if page in (window.home, window.card, window.elsewhere):
        return True
    session = window.session
    asking = page is window.question and session is not None and session.step is Step.QUESTION
    return asking and session.page.type is FieldType.KANA_NAME


def phone_problems(screen: str, window, targets, metrics) -> list[str]:
    """What only a phone gets wrong: a footer pushed off the screen, a button whose words
    do not fit it (wrapped text cut at the bottom, a word cut at the side), button text
    under the floor, a page that must show whole scrolling."""
    found = []
    page = window.stack.currentWidget()
    scrolled = page.page_scroll.scroll.verticalScrollBar().maximum()
    if shows_whole_on_a_phone(window) and scrolled > 0:
        found.append(f"{screen}: scrolls by {scrolled} px between header and footer")
    for button in (page.back_button, page.start_over_button, page.staff_button):
        box = button.geometry().translated(button.parentWidget().mapTo(window, QPoint(0, 0)))
        if button.isVisibleTo(window) and not window.rect().contains(box):
            found.append(f"{screen}: {button.objectName()} is off the screen")
    for button in targets:
        if QFontInfo(button.font()).pixelSize() < metrics.smallest_px:
            found.append(f"{screen}: button {button.objectName()} text too small")
        shown = QPushButton.text(button)  # the text as drawn, line breaks included
        if not shown:
            continue
        option = QStyleOptionButton()
        button.initStyleOption(option)
        room = button.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, button
        )
        if not button.icon().isNull():
            room.setWidth(room.width() - button.iconSize().width() - 4)
        needed = button.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, shown)
        if needed.width() > room.width() + 1 or needed.height() > room.height() + 1:
            found.append(f"{screen}: {button.objectName()} text {needed} in {room.size()}")
    return found


def test_text_sizes_grow():
    sizes = [Look(Theme.STANDARD, size).body_px for size in TextSize]
    assert sizes == sorted(sizes) and sizes[0] >= 32 and sizes[-1] >= 48
