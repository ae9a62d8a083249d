"""The idle warning overlay: a countdown and one large "まだ使う" button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button, label


class IdleWarningOverlay(Overlay):
    still_here = Signal()

    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "idle_warning", metrics)
        target, margin = metrics.primary_target_px, metrics.overlay_margin_px
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(metrics.gap_px * 2 if metrics.narrow else 40)
        self.question = label(role="heading", name="idle_question")
        self.countdown = label(name="idle_countdown")
        for text in (self.question, self.countdown):
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = big_button(role="primary", name="still_here", metrics=metrics)
        self.button.setMinimumSize(target * 4, round(target * 1.3))
        layout.addWidget(self.question, 1)
        layout.addWidget(self.countdown)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignCenter)
        self.button.clicked.connect(self.still_here)

    def show_countdown(self, seconds: int, t: Callable[..., str]) -> None:
        self.question.setText(t("idle_question"))
        self.countdown.setText(t("idle_countdown", seconds=seconds))
        self.button.setText(t("idle_still_here"))
        if not self.isVisible():
            parent = self.parentWidget()
            self.show_centered(parent.width() * 3 // 4, parent.height() * 3 // 5)
