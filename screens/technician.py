"""Technician mode over the locked kiosk: the technician's PIN, then a short menu.

Staff-facing, not resident-facing: every label is shown in Japanese and English together, so
whoever installs the kiosk can use it whatever language the resident left on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from screens.theme import MIN_TARGET_PX, PRIMARY_TARGET_PX
from screens.widgets import Overlay, big_button, label

MAX_DIGITS = 12
STAFF_TEXT = "QPushButton { font-size: 32px; } QLabel[role=small] { font-size: 28px; }"
REPRINT = "受付票を再印刷 / Reprint last receipt"
QUIT = "キオスクを終了 / Quit the kiosk"


class TechnicianOverlay(Overlay):
    pin_entered = Signal(str)
    practice_toggled = Signal()
    reprint_requested = Signal()
    sync_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "technician")
        # Staff-facing: the residents' text size does not apply; bilingual labels must fit.
        self.setStyleSheet(STAFF_TEXT)
        self._digits = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        self.heading = label("技術者モード / Technician mode", role="heading", name="tech_heading")
        self.status = label(role="small", name="tech_status")
        self.problem = label(role="error", name="tech_problem")
        self.problem.hide()
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)

        # The PIN page: masked marks and a digit pad.
        self.pin_page = QWidget()
        pin_layout = QHBoxLayout(self.pin_page)
        pin_layout.setSpacing(48)
        self.marks = label(role="heading", name="tech_marks", wrap=False)
        pin_layout.addWidget(self.marks, 1)
        pad = QGridLayout()
        pad.setSpacing(12)
        self.keys = {}
        for index, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK")):
            button = big_button(key, name=f"tech_key_{key}")
            button.setMinimumSize(PRIMARY_TARGET_PX, MIN_TARGET_PX)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            pad.addWidget(button, index // 3, index % 3)
            self.keys[key] = button
        pin_layout.addLayout(pad)
        layout.addWidget(self.pin_page, 1)

        # The menu, once the PIN is right.
        self.menu_page = QWidget()
        menu = QGridLayout(self.menu_page)
        menu.setSpacing(24)
        self.practice_button = big_button(name="tech_practice")
        self.reprint_button = big_button(
            "受付票を再印刷 / Reprint last receipt", name="tech_reprint"
        )
        self.sync_button = big_button("今すぐ送信 / Send queue now", name="tech_sync")
        self.quit_button = big_button(
            "キオスクを終了 / Quit the kiosk", role="alert", name="tech_quit"
        )
        for index, button in enumerate(
            (self.practice_button, self.reprint_button, self.sync_button, self.quit_button)
        ):
            button.setMinimumSize(PRIMARY_TARGET_PX * 5, PRIMARY_TARGET_PX)
            menu.addWidget(button, index // 2, index % 2)
        layout.addWidget(self.menu_page, 1)

        self.close_button = big_button("閉じる / Close", role="primary", name="tech_close")
        self.close_button.setMinimumSize(PRIMARY_TARGET_PX * 3, PRIMARY_TARGET_PX)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)

        self.close_button.clicked.connect(self.close_mode)
        self.practice_button.clicked.connect(self.practice_toggled)
        self.reprint_button.clicked.connect(self.reprint_requested)
        self.sync_button.clicked.connect(self.sync_requested)
        self.quit_button.clicked.connect(self.quit_requested)

    def open_pin(self) -> None:
        self._digits = ""
        self._show_marks()
        self.problem.hide()
        self.status.setText("技術者の暗証番号を入力 / Enter the technician PIN")
        self.pin_page.show()
        self.menu_page.hide()
        parent = self.parentWidget()
        self.show_centered(parent.width() * 5 // 6, parent.height() * 5 // 6)

    def show_menu(self, practice: bool, devices: str) -> None:
        self._digits = ""
        self.problem.hide()
        self.pin_page.hide()
        self.menu_page.show()
        self.status.setText(devices)
        self.practice_button.setText(
            "練習モードを終える / Leave practice mode"
            if practice
            else "練習モードにする / Practice mode"
        )

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def close_mode(self) -> None:
        self._digits = ""
        self.hide()

    def _press(self, key: str) -> None:
        if key == "⌫":
            self._digits = self._digits[:-1]
        elif key == "OK":
            pin, self._digits = self._digits, ""
            self._show_marks()
            self.pin_entered.emit(pin)
            return
        elif len(self._digits) < MAX_DIGITS:
            self._digits += key
        self._show_marks()

    def _show_marks(self) -> None:
        self.marks.setText("●" * len(self._digits) or "－")
