"""Step 4: the receipt printer: its port, its model, a test receipt printed and shown on
screen as the printer draws it (the same ESC/POS bytes, decoded and laid out)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.setup_wizard import PRINTER_MODELS, TITLES, SetupWizard, Step, WizardProblem
from kiosk.setup_wizard_devices import print_test
from screens.metrics import KIOSK, Metrics
from screens.setup.common import ChoiceList, StepPage, action_button, row, side_by_side
from screens.setup.ports import PortChooser
from screens.widgets import label

SIM = ("sim", "シミュレーター / Simulator")
PREVIEW_WIDTH = {False: 560, True: 300}


class PrinterStep(StepPage):
    def __init__(
        self,
        wizard: SetupWizard,
        metrics: Metrics = KIOSK,
        extra: tuple[str, ...] = (),
        sim_output=None,
    ) -> None:
        super().__init__(
            TITLES[Step.PRINTER],
            "ポートと機種を選び、テスト印字をしてください / Choose the port and the model, "
            "then print a test receipt.",
            metrics,
        )
        self.wizard = wizard
        self.sim_output = sim_output or wizard.paths.printer_output
        holder, layout = side_by_side(metrics)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(metrics.gap_px)
        self.chooser = PortChooser(
            "setup_printer", metrics, extra, offers=(SIM,), default_baud=38400
        )
        column.addWidget(self.chooser)
        column.addWidget(label("機種 / Model", role="small"))
        self.model = ChoiceList("setup_printer_model", metrics, columns=1 if metrics.narrow else 3)
        self.model.set_choices(list(PRINTER_MODELS.items()), "tm-t88")
        column.addWidget(self.model)
        self.test_button = action_button(
            "テスト印字 / Test print", "setup_printer_test", metrics, role="primary"
        )
        self.keep_button = action_button("この設定にする / Use this", "setup_printer_keep", metrics)
        column.addStretch(1)
        layout.addWidget(left, 3)
        self.preview = QLabel()
        self.preview.setObjectName("setup_printer_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.preview.setMinimumWidth(PREVIEW_WIDTH[metrics.narrow])
        self.preview_png = b""
        preview_column = QWidget()
        preview_layout = QVBoxLayout(preview_column)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.setSpacing(metrics.gap_px)
        # The actions stay in view above the preview, however many ports the list holds.
        preview_layout.addWidget(row(self.test_button, self.keep_button, spacing=metrics.gap_px))
        preview_layout.addWidget(label("印字見本 / Preview", role="small"))
        preview_layout.addWidget(self.preview, 1)
        layout.addWidget(preview_column, 2)
        self.body_layout.addWidget(holder, 1)
        self.test_button.clicked.connect(self.test_print)
        self.keep_button.clicked.connect(self.keep)
        self.work.finished.connect(self._printed)
        self.work.failed.connect(lambda _: self.test_button.setEnabled(True))

    def entered(self) -> None:
        c = self.wizard.choices
        self.chooser.refresh(c.printer or "sim")
        self.model.choose(c.printer_model or "tm-t88")

    def test_print(self) -> None:
        url, model = self.chooser.value(), self.model.value()
        if not url:
            self.show_problem("ポートを選んでください / Choose a port")
            return
        kiosk_id, output = self.wizard.choices.kiosk_id, self.sim_output
        if self.work.run(lambda: print_test(url, model, kiosk_id, output)):
            self.test_button.setEnabled(False)
            self.show_result("印刷しています… / Printing…")

    def _printed(self, outcome) -> None:
        self.test_button.setEnabled(True)
        self.preview_png = outcome.preview_png
        picture = QPixmap()
        picture.loadFromData(outcome.preview_png, "PNG")
        width = PREVIEW_WIDTH[self.metrics.narrow]
        self.preview.setPixmap(
            picture.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        )
        if outcome.completed:
            self.show_result(outcome.words)
        else:
            self.show_problem(outcome.words)

    def keep(self) -> None:
        url, model = self.chooser.value(), self.model.value()
        try:
            self.wizard.save_printer(url, model)
        except WizardProblem as problem:
            self.show_problem(str(problem))
            return
        self.show_result(f"保存しました / Saved: {url or 'なし / none'} ({model})")
        self.changed.emit()
