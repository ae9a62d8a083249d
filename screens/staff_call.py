"""The "staff have been called" overlay: it covers the page until closed, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button, label


class StaffCallOverlay(Overlay):
    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "staff_call", metrics)
        target, margin = metrics.primary_target_px, metrics.overlay_margin_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(metrics.gap_px * 3)
        self.message = label(role="heading", name="message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.close_button = big_button(role="primary", name="close", metrics=metrics)
        self.close_button.setMinimumSize(target * 3, target)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.close_button.clicked.connect(self.hide)

    def open(self, t: Callable[..., str], key: str = "staff_called") -> None:
        """key: staff_called when the resident called; staff_coming once staff acknowledged."""
        self.message.setText(t(key))
        self.close_button.setText(t("close"))
        parent = self.parentWidget()
        self.show_centered(parent.width() * 2 // 3, parent.height() // 2)
