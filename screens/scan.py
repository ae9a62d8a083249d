"""Phone pre-entry: "show the QR code on your phone to the scanner", and what went wrong if
the code cannot be used. The scan itself is read and checked by services, never here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from screens.metrics import KIOSK, Metrics
from screens.widgets import PageFrame, label


class ScanScreen(PageFrame):
    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics, show_primary=False)
        self.setObjectName("scan")
        self.prompt = label(role="heading", name="scan_prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem = label(role="error", name="scan_problem")
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.hide()
        self.content.addStretch(1)
        self.content.addWidget(self.prompt)
        self.content.addWidget(self.problem)
        self.content.addStretch(2)

    def show_waiting(self, t: Callable[..., str]) -> None:
        self.set_footer_texts(t)
        self.title.setText(t("scan_start"))
        self.prompt.setText(t("scan_prompt"))
        self.problem.hide()

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
