"""Phone pre-entry: "show the QR code on your phone to the scanner", and what went wrong if
the code cannot be used. The scan itself is read and checked by services, never here. In the
demo (a simulated scanner) a button reads a sample code, as the card page's demo buttons place
the demo card."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal

from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import big_button, label


class ScanScreen(PageFrame):
    sample_requested = Signal()

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics, show_primary=False)
        self.setObjectName("scan")
        self.prompt = label(role="heading", name="scan_prompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem = label(role="error", name="scan_problem")
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.hide()
        self.sample_hint = label(role="small", name="scan_sample_hint")
        self.sample_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample_button = big_button(name="scan_sample", metrics=metrics)
        if not metrics.narrow:
            self.sample_button.setMinimumWidth(metrics.primary_target_px * 4)
        self.sample_button.clicked.connect(self.sample_requested)
        for widget in (self.sample_hint, self.sample_button):
            widget.hide()  # only in the demo
        self.content.addStretch(1)
        self.content.addWidget(self.prompt)
        self.content.addWidget(self.problem)
        self.content.addWidget(self.sample_hint)
        self.content.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.content.addStretch(2)

    def show_waiting(self, t: Callable[..., str], sample: str | None = None) -> None:
        """sample: the demo's sample code, by its procedure's title (None: a real scanner)."""
        self.set_footer_texts(t)
        self.title.setText(t("scan_start"))
        self.prompt.setText(t("scan_prompt"))
        self.problem.hide()
        self.sample_hint.setText(t("scan_sample_hint", procedure=sample) if sample else "")
        self.sample_button.setText(t("scan_sample"))
        for widget in (self.sample_hint, self.sample_button):
            widget.setVisible(sample is not None)

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
