"""Home: who we are, language, and one large "start"; staff can always be called."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QButtonGroup, QGridLayout, QHBoxLayout

from kiosk.config_base import Theme
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.theme import Look
from screens.widgets import big_button, label


class HomeScreen(PageFrame):
    language_chosen = Signal(str)
    scan_requested = Signal()
    text_size_requested = Signal()
    contrast_requested = Signal()
    voice_requested = Signal()

    def __init__(self, languages: dict[str, str], metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics, show_back=False, show_start_over=False)
        target = metrics.primary_target_px
        self.setObjectName("home")
        self.municipality = label(role="heading", name="municipality")
        self.municipality.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.greeting = label(name="greeting")
        self.greeting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hours = label(role="small", name="opening_hours")
        self.hours.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice = label(role="error", name="notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.hide()
        self.language_heading = label(role="small", name="language_heading")
        self.language_heading.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._language_group = QButtonGroup(self)
        self.language_buttons = {}
        for code, name in languages.items():
            button = big_button(name, name=f"language_{code}", metrics=metrics)
            button.setCheckable(True)
            button.setMinimumHeight(target)
            button.setMinimumWidth(target if metrics.narrow else target * 3)
            self._language_group.addButton(button)
            button.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            self.language_buttons[code] = button
        row = self._phone_languages() if metrics.narrow else self._kiosk_languages()

        self.content.addStretch(1)
        for widget in (self.municipality, self.greeting, self.hours, self.notice):
            self.content.addWidget(widget)
        # Seeing comes before reading: text size and colours are offered on the first screen.
        self.text_size_button = big_button(name="text_size", metrics=metrics)
        self.contrast_button = big_button(name="contrast", metrics=metrics)
        # Only where the voice engine is installed.
        self.voice_button = big_button(name="voice", metrics=metrics)
        self.voice_button.hide()
        self.voice_button.clicked.connect(self.voice_requested)
        view_buttons = (self.text_size_button, self.contrast_button, self.voice_button)
        view_row = self._phone_view_row() if metrics.narrow else self._kiosk_view_row()
        self.text_size_button.clicked.connect(self.text_size_requested)
        self.contrast_button.clicked.connect(self.contrast_requested)
        if metrics.narrow:
            for button in view_buttons:
                button.setMinimumWidth(target)
            # Paragraphs a gap apart, not two: at the largest size every line counts.
            self.content.setSpacing(metrics.gap_px)

        self.content.addStretch(1)
        # On a phone the language buttons say what they are (日本語, English) and the header
        # has Language / 言語: the heading's line goes to the buttons.
        if metrics.narrow:
            self.language_heading.setParent(self)
            self.language_heading.hide()
        else:
            self.content.addWidget(self.language_heading)
        self.content.addLayout(row)
        self.content.addLayout(view_row)
        self.content.addStretch(1)
        if not metrics.narrow:
            self.primary_button.setMinimumWidth(target * 4)
        # Phone pre-entry: beside "start", shown only where a scanner is attached.
        self.scan_button = big_button(name="scan_start", metrics=metrics)
        self.scan_button.setMinimumWidth(target if metrics.narrow else target * 3)
        self.scan_button.clicked.connect(self.scan_requested)
        self.scan_button.hide()
        self.add_footer_action(self.scan_button)
        if self.page_scroll is not None:
            # Re-measured whenever the page is laid out again (a language, a text size).
            self.page_scroll.installEventFilter(self)
            self.page_scroll.scroll.widget().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            QTimer.singleShot(0, self, self._fit_greeting)  # after the layout has run
        return super().eventFilter(watched, event)

    def _fit_greeting(self) -> None:
        """On a phone the greeting steps aside when the page would not fit without it (at the
        largest size in Portuguese or Vietnamese): it says nothing a resident must act on,
        and the buttons under it should not need scrolling to. Measured with the greeting
        whether it shows or not, so that it never flickers in and out."""
        host, width = self.page_scroll.scroll.widget(), self.page_scroll.scroll.viewport().width()
        needed = host.heightForWidth(width)
        if needed < 0 or width <= 0:
            return
        if self.greeting.isHidden():
            needed += self.greeting.heightForWidth(width) + self.content.spacing()
        fits = needed <= self.page_scroll.height()
        if self.greeting.isHidden() == fits:
            self.greeting.setVisible(fits)

    def _kiosk_languages(self) -> QBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addStretch(1)
        for button in self.language_buttons.values():
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _phone_languages(self) -> QGridLayout:
        """On a phone three names side by side break a letter a line (日本 / 語), and one under
        the other take three rows: 日本語 and English share a row, a name too long for half
        the width (やさしい日本語 at the larger sizes) gets one of its own."""
        grid = QGridLayout()
        grid.setSpacing(self.metrics.gap_px)
        short = [code for code in self.language_buttons if code in ("ja", "en")]
        for column, code in enumerate(short):
            grid.addWidget(self.language_buttons[code], 0, column, 1, 2 // len(short))
        others = [code for code in self.language_buttons if code not in short]
        for index, code in enumerate(others):
            grid.addWidget(self.language_buttons[code], 1 + index, 0, 1, 2)
        for column in (0, 1):
            grid.setColumnStretch(column, 1)
        return grid

    def _kiosk_view_row(self) -> QBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(24)
        row.addStretch(1)
        for button in (self.text_size_button, self.contrast_button, self.voice_button):
            button.setMinimumWidth(self.metrics.primary_target_px * 4)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _phone_view_row(self) -> QGridLayout:
        """Text size on its own row (the one being changed at this moment reads best whole),
        colours and voice side by side under it (they wrap at the larger sizes): a row each
        would push the page past the phone's height at the largest size."""
        grid = QGridLayout()
        grid.setSpacing(self.metrics.gap_px)
        grid.addWidget(self.text_size_button, 0, 0, 1, 2)
        grid.addWidget(self.contrast_button, 1, 0)
        grid.addWidget(self.voice_button, 1, 1)
        for column in (0, 1):
            grid.setColumnStretch(column, 1)
        return grid

    def retranslate(
        self,
        t: Callable[..., str],
        municipality: str,
        hours: str,
        language: str,
        accepting: bool,
        can_scan: bool = False,
        look: Look | None = None,
        voice: bool | None = None,
    ) -> None:
        self.voice_button.setVisible(voice is not None)
        if voice is not None:
            self.voice_button.setText(t("voice_off" if voice else "voice_on"))
        if look is not None:
            size = t(f"text_size_{look.text_size.value}")
            self.text_size_button.setText(t("text_size_button", size=size))
            contrast = look.theme is Theme.HIGH_CONTRAST
            self.contrast_button.setText(t("contrast_off" if contrast else "contrast_on"))
        self.scan_button.setText(t("scan_start"))
        self.scan_button.setVisible(can_scan and accepting)
        self.set_footer_texts(t, primary_key="start")
        self.title.setText(t("app_title"))
        self.municipality.setText(municipality)
        self.greeting.setText(t("home_greeting"))
        self.hours.setText(hours)
        self.language_heading.setText(t("language"))
        self.notice.setText(t("not_accepting"))
        self.notice.setVisible(not accepting)
        self.primary_button.setEnabled(accepting)
        # None checked for a language chosen from the overlay: an exclusive group would keep
        # the old one checked, so exclusivity is lifted while setting.
        self._language_group.setExclusive(False)
        for code, button in self.language_buttons.items():
            button.setChecked(code == language)
        self._language_group.setExclusive(True)
