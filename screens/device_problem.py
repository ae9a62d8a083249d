"""A device problem, in plain words, over the page: the receipt did not print. The application
is already stored and its number stays on the screen underneath; staff are one tap away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button, label


class DeviceProblemOverlay(Overlay):
    staff_requested = Signal()

    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "device_problem", metrics)
        target, margin = metrics.primary_target_px, metrics.overlay_margin_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(metrics.gap_px * 3)
        self.message = label(role="heading", name="problem_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The overlay covers the page: the number the resident needs goes with it.
        self.number = label(role="heading", name="problem_number", wrap=False)
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.staff_button = big_button(role="alert", name="problem_call_staff", metrics=metrics)
        self.close_button = big_button(role="primary", name="problem_close", metrics=metrics)
        # Side by side; on a phone one above the other, each the box's width.
        row = QVBoxLayout() if metrics.narrow else QHBoxLayout()
        row.setSpacing(metrics.gap_px if metrics.narrow else 48)
        if not metrics.narrow:
            row.addStretch(1)
        for button in (self.staff_button, self.close_button):
            button.setMinimumSize(target * (1 if metrics.narrow else 3), target)
            row.addWidget(button)
        if not metrics.narrow:
            row.addStretch(1)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.number)
        layout.addLayout(row)
        self.staff_button.clicked.connect(self.staff_requested)
        self.close_button.clicked.connect(self.hide)

    def open(self, message: str, t: Callable[..., str], number: str = "") -> None:
        self.message.setText(message)
        self.number.setText(f"{t('reception_number')}：{number}" if number else "")
        self.number.setVisible(bool(number))
        self.staff_button.setText(t("call_staff"))
        self.close_button.setText(t("close"))
        parent = self.parentWidget()
        self.show_centered(parent.width() * 3 // 4, parent.height() * 3 // 5)
