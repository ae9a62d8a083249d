"""Technician mode over the locked kiosk: the technician's PIN, then a short menu.

Staff-facing, not resident-facing: every label is shown in Japanese and English together, so
whoever installs the kiosk can use it whatever language the resident left on screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button, label

MAX_DIGITS = 12
# Staff text: the residents' text size does not apply; bilingual labels must fit. On the
# phone profile (a trainer's projected demo) the same labels wrap in one narrow column.
STAFF_TEXT = (
    "QPushButton {{ font-size: {button}px; }} QLabel[role=small] {{ font-size: {small}px; }}"
)
STAFF_PX = {False: (32, 28), True: (18, 16)}
REPRINT = "受付票を再印刷 / Reprint last receipt"
REQUEUE = "再送信 / Re-queue"
QUARANTINE_SHOWN = 5
QUIT = "キオスクを終了 / Quit the kiosk"


class TechnicianOverlay(Overlay):
    pin_entered = Signal(str)
    practice_toggled = Signal()
    reprint_requested = Signal()
    sync_requested = Signal()
    requeue_requested = Signal()  # put quarantined applications back in the queue
    quit_requested = Signal()

    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "technician", metrics)
        narrow = metrics.narrow
        button_px, small_px = STAFF_PX[narrow]
        self.setStyleSheet(STAFF_TEXT.format(button=button_px, small=small_px))
        primary, target = metrics.primary_target_px, metrics.min_target_px
        self._digits = ""
        layout = QVBoxLayout(self)
        # The counter terminal's spacing, tightened on the phone.
        margin = metrics.overlay_margin_px
        layout.setContentsMargins(*((margin,) * 4 if narrow else (48, 40, 48, 40)))
        spacing = metrics.gap_px if narrow else 24
        layout.setSpacing(spacing)
        self.heading = label("技術者モード / Technician mode", role="heading", name="tech_heading")
        self.status = label(role="small", name="tech_status")
        self.problem = label(role="error", name="tech_problem")
        self.problem.hide()
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)

        # The PIN page: masked marks and a digit pad.
        self.pin_page = QWidget()
        direction = QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        pin_layout = QBoxLayout(direction, self.pin_page)
        pin_layout.setSpacing(spacing * 2)
        self.marks = label(role="heading", name="tech_marks", wrap=False)
        pin_layout.addWidget(self.marks, 1)
        pad = QGridLayout()
        pad.setSpacing(12)
        self.keys = {}
        for index, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK")):
            button = big_button(key, name=f"tech_key_{key}", metrics=metrics)
            button.setMinimumSize(primary, target)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            pad.addWidget(button, index // 3, index % 3)
            self.keys[key] = button
        pin_layout.addLayout(pad)
        layout.addWidget(self.pin_page, 1)

        # The menu, once the PIN is right.
        self.menu_page = QWidget()
        menu = QGridLayout(self.menu_page)
        menu.setSpacing(spacing * 2 if narrow else spacing)  # wrapped labels need air
        columns = 1 if narrow else 2
        self.practice_button = big_button(name="tech_practice", metrics=metrics)
        self.reprint_button = big_button(REPRINT, name="tech_reprint", metrics=metrics)
        self.sync_button = big_button(
            "今すぐ送信 / Send queue now", name="tech_sync", metrics=metrics
        )
        self.quit_button = big_button(QUIT, role="alert", name="tech_quit", metrics=metrics)
        self.requeue_button = big_button(REQUEUE, name="tech_requeue", metrics=metrics)
        for index, button in enumerate(
            (
                self.practice_button,
                self.reprint_button,
                self.sync_button,
                self.quit_button,
                self.requeue_button,
            )
        ):
            button.setMinimumSize(0 if narrow else primary * 5, primary)
            menu.addWidget(button, index // columns, index % columns)
        # Applications the backend refused: count and reasons, never personal data.
        self.quarantine = label(role="small", name="tech_quarantine")
        menu.addWidget(self.quarantine, -(-5 // columns), 0, 1, columns)
        layout.addWidget(self.menu_page, 1)

        self.close_button = big_button(
            "閉じる / Close", role="primary", name="tech_close", metrics=metrics
        )
        self.close_button.setMinimumSize(primary * (1 if narrow else 3), primary)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)

        self.close_button.clicked.connect(self.close_mode)
        self.practice_button.clicked.connect(self.practice_toggled)
        self.reprint_button.clicked.connect(self.reprint_requested)
        self.sync_button.clicked.connect(self.sync_requested)
        self.requeue_button.clicked.connect(self.requeue_requested)
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

    def show_quarantine(self, reasons: list[str]) -> None:
        """How many applications the backend refused, and why (the first few)."""
        lines = [f"送信保留 / Quarantined: {len(reasons)}"]
        lines += reasons[:QUARANTINE_SHOWN]
        if len(reasons) > QUARANTINE_SHOWN:
            lines.append(f"… +{len(reasons) - QUARANTINE_SHOWN}")
        self.quarantine.setText("\n".join(lines))
        self.requeue_button.setEnabled(bool(reasons))

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
