"""Step 2: the QR scanner: choose its port, then a live "scan something" test showing what
was read. It comes before the backend step, whose enrollment QR it can then read."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kiosk.setup_wizard import TITLES, SetupWizard, Step, WizardProblem
from kiosk.setup_wizard_devices import ScannerTest
from screens.metrics import KIOSK, Metrics
from screens.setup.common import StepPage, action_button, row
from screens.setup.ports import PortChooser
from screens.widgets import label

SCAN_PROMPT = "何かをスキャンしてください / Scan something"
NO_SCANNER = ("", "使わない / No scanner")


class ScanRelay(QObject):
    """Scans and problems arrive on the scanner's thread; Qt queues them to the GUI thread."""

    scanned = Signal(str)
    problem = Signal(str)


class ScannerStep(StepPage):
    def __init__(
        self, wizard: SetupWizard, metrics: Metrics = KIOSK, extra: tuple[str, ...] = ()
    ) -> None:
        super().__init__(
            TITLES[Step.SCANNER],
            "QRスキャナーのポートを選び、テストしてください。次の手順で、管理画面の登録用QRコード"
            "を読めます / Choose the scanner's port and test it; the next step can then read "
            "the console's enrollment QR code.",
            metrics,
        )
        self.wizard = wizard
        self.test: ScannerTest | None = None
        self.relay = ScanRelay(self)
        self.chooser = PortChooser("setup_scanner", metrics, extra, offers=(NO_SCANNER,))
        self.body_layout.addWidget(self.chooser)
        self.test_button = action_button(
            "テスト開始 / Start test", "setup_scanner_test", metrics, role="primary"
        )
        self.keep_button = action_button("この設定にする / Use this", "setup_scanner_keep", metrics)
        self.body_layout.addWidget(row(self.test_button, self.keep_button, spacing=metrics.gap_px))
        self.shown = label("", role="scan", name="setup_scanner_read")
        self.shown.hide()
        self.body_layout.addWidget(self.shown)
        self.body_layout.addStretch(1)
        self.test_button.clicked.connect(self.start_test)
        self.keep_button.clicked.connect(self.keep)
        self.chooser.changed.connect(lambda _: self.stop_test())
        self.relay.scanned.connect(self._scanned)
        self.relay.problem.connect(self.show_problem)

    def entered(self) -> None:
        self.chooser.refresh(self.wizard.choices.scanner)

    def left(self) -> None:
        self.stop_test()

    def start_test(self) -> None:
        self.stop_test()
        self.clear_lines()
        url = self.chooser.value()
        if not url:
            self.show_problem("ポートを選んでください / Choose a port")
            return
        try:
            self.test = ScannerTest(url, self.relay.scanned.emit, self.relay.problem.emit)
            self.test.start()
        except (WizardProblem, OSError) as problem:
            self.test = None
            self.show_problem(str(problem))
            return
        self.shown.setText(SCAN_PROMPT)
        self.shown.show()

    def _scanned(self, text: str) -> None:
        # Shown as read (a technician's test code), cut so a long code cannot fill the page.
        shown = text if len(text) <= 120 else text[:117] + "…"
        self.shown.setText(f"読み取り / Read: {shown}")
        self.show_result("スキャナーは動いています / The scanner works")

    def stop_test(self) -> None:
        if self.test is not None:
            self.test.stop()
            self.test = None
        self.shown.hide()

    def keep(self) -> None:
        self.stop_test()
        url = self.chooser.value()
        try:
            self.wizard.save_scanner(url)
        except WizardProblem as problem:
            self.show_problem(str(problem))
            return
        self.show_result(f"保存しました / Saved: {url or 'スキャナーなし / no scanner'}")
        self.changed.emit()
