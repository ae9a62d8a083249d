"""Step 6: every choice at a glance, and 運用開始, which leaves the wizard for the kiosk."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.setup_wizard import TITLES, SetupWizard, Step
from screens.metrics import KIOSK, Metrics
from screens.setup.common import StepPage, action_button, row
from screens.widgets import label

START = "運用開始 / Start operation"


class SummaryStep(StepPage):
    start_requested = Signal()

    def __init__(self, wizard: SetupWizard, metrics: Metrics = KIOSK) -> None:
        super().__init__(
            TITLES[Step.SUMMARY],
            "内容を確かめて「運用開始」を押してください / Check the settings, then start.",
            metrics,
        )
        self.wizard = wizard
        self.table = QWidget()
        self.grid = QGridLayout(self.table)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(metrics.gap_px * 2)
        self.grid.setVerticalSpacing(metrics.gap_px)
        self.body_layout.addWidget(self.table)
        self.body_layout.addStretch(1)
        self.start_button = action_button(START, "setup_start", metrics, role="primary")
        self.start_button.setMinimumWidth(metrics.primary_target_px * (2 if metrics.narrow else 4))
        self.body_layout.addWidget(row(self.start_button))
        self.values: dict[str, str] = {}
        self.start_button.clicked.connect(self.start)

    def entered(self) -> None:
        self.clear_lines()
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        self.values = {}
        narrow = self.metrics.narrow
        for index, (title, value) in enumerate(self.wizard.summary()):
            self.values[title] = value
            name = label(title, role="small")
            shown = label(value, name=f"setup_summary_{index}")
            if narrow:
                self.grid.addWidget(name, index * 2, 0)
                self.grid.addWidget(shown, index * 2 + 1, 0)
            else:
                self.grid.addWidget(name, index, 0)
                self.grid.addWidget(shown, index, 1)
            name.show()
            shown.show()
        self.grid.setColumnStretch(0 if narrow else 1, 1)

    def start(self) -> None:
        missing = self.wizard.missing()
        if missing:
            self.show_problem(
                "まだ設定されていません / Not set yet: " + ", ".join(TITLES[s] for s in missing)
            )
            return
        self.start_requested.emit()
