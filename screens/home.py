"""Home: who we are, language, and one large "start"; staff can always be called."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout

from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import PageFrame, big_button, label


class HomeScreen(PageFrame):
    language_chosen = Signal(str)
    scan_requested = Signal()

    def __init__(self, languages: dict[str, str]) -> None:
        super().__init__(show_back=False, show_start_over=False)
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

        row = QHBoxLayout()
        row.setSpacing(24)
        row.addStretch(1)
        self._language_group = QButtonGroup(self)
        self.language_buttons = {}
        for code, name in languages.items():
            button = big_button(name, name=f"language_{code}")
            button.setCheckable(True)
            button.setMinimumHeight(PRIMARY_TARGET_PX)
            button.setMinimumWidth(PRIMARY_TARGET_PX * 3)
            self._language_group.addButton(button)
            button.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            self.language_buttons[code] = button
            row.addWidget(button)
        row.addStretch(1)

        self.content.addStretch(1)
        for widget in (self.municipality, self.greeting, self.hours, self.notice):
            self.content.addWidget(widget)
        self.content.addStretch(1)
        self.content.addWidget(self.language_heading)
        self.content.addLayout(row)
        self.content.addStretch(1)
        self.primary_button.setMinimumWidth(PRIMARY_TARGET_PX * 4)
        # Phone pre-entry: beside "start", shown only where a scanner is attached.
        self.scan_button = big_button(name="scan_start")
        self.scan_button.setMinimumWidth(PRIMARY_TARGET_PX * 3)
        self.scan_button.clicked.connect(self.scan_requested)
        self.scan_button.hide()
        self.footer.insertWidget(self.footer.count() - 1, self.scan_button)

    def retranslate(
        self,
        t: Callable[..., str],
        municipality: str,
        hours: str,
        language: str,
        accepting: bool,
        can_scan: bool = False,
    ) -> None:
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
        self.language_buttons[language].setChecked(True)
