"""Step 3: connecting to the backend with a one-time enrollment code.

Two ways, as the staff console offers both (text and QR): scan the console's QR code
(MADOGUCHI-ENROLL/1 URL CODE) with the scanner chosen in the step before, or type the address on
a URL keyboard (ASCII letters, digits and . : / -) and the code on a pad of the code's own
alphabet, shown grouped like 7KQ3M-XW9TC. The exchange runs off the GUI thread, bounded by its
timeout; a refusal is shown in the backend's own words and nothing is written.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QPushButton, QStackedWidget, QWidget

from core.enrollment import CODE_ALPHABET, CODE_LENGTH, grouped
from kiosk.setup_wizard import TITLES, SetupWizard, Step, WizardProblem
from kiosk.setup_wizard_devices import ScannerTest
from screens.metrics import KIOSK, Metrics
from screens.number_pad import bound, touch_key
from screens.setup.common import StepPage, action_button
from screens.setup.scanner_step import ScanRelay
from screens.widgets import label

URL_KEYS = "abcdefghijklmnopqrstuvwxyz0123456789.:/-"
MAX_URL = 120
WAITING = "接続しています… / Connecting…"


def key_grid(keys: str, name: str, columns: int, metrics: Metrics, press) -> QWidget:
    holder = QWidget()
    grid = QGridLayout(holder)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(metrics.key_spacing_px)
    for index, key in enumerate(keys):
        button = touch_key(key, f"{name}_{key}", "glyph", metrics)
        button.clicked.connect(bound(press, key))
        grid.addWidget(button, index // columns, index % columns)
    return holder


class BackendStep(StepPage):
    def __init__(self, wizard: SetupWizard, metrics: Metrics = KIOSK) -> None:
        super().__init__(
            TITLES[Step.BACKEND],
            "管理画面の「キオスク登録」に出る登録用QRコードをスキャンするか、アドレスとコードを入力して"
            "ください / Scan the enrollment QR code on the staff console's kiosk page, or type "
            "the backend address and the code.",
            metrics,
        )
        self.wizard = wizard
        self.url = "https://"
        self.code = ""
        self.scan: ScannerTest | None = None
        self.relay = ScanRelay(self)
        narrow = metrics.narrow
        self.qr_line = label("", role="small", name="setup_backend_qr")
        self.body_layout.addWidget(self.qr_line)
        # The two fields: tapping one puts its keyboard below.
        self.url_field = self._field("setup_backend_url")
        self.code_field = self._field("setup_backend_code")
        fields = QWidget()
        field_grid = QGridLayout(fields)
        field_grid.setContentsMargins(0, 0, 0, 0)
        field_grid.setSpacing(metrics.gap_px)
        field_grid.addWidget(label("アドレス / Address", role="small"), 0, 0)
        field_grid.addWidget(self.url_field, 1 if narrow else 0, 0 if narrow else 1)
        field_grid.addWidget(label("登録コード / Code", role="small"), 2 if narrow else 1, 0)
        field_grid.addWidget(self.code_field, 3 if narrow else 1, 0 if narrow else 1)
        field_grid.setColumnStretch(0 if narrow else 1, 1)
        self.connect_button = action_button(
            "接続する / Connect", "setup_backend_connect", metrics, role="primary"
        )
        if narrow:
            field_grid.addWidget(self.connect_button, 4, 0)
        else:  # beside the two fields: the keyboard keeps the page's height
            field_grid.addWidget(self.connect_button, 0, 2, 2, 1)
        self.body_layout.addWidget(fields)

        self.keyboards = QStackedWidget()
        url_board = QWidget()
        url_grid = QGridLayout(url_board)
        url_grid.setContentsMargins(0, 0, 0, 0)
        url_grid.setSpacing(metrics.key_spacing_px)
        url_grid.addWidget(
            key_grid(URL_KEYS, "setup_url_key", 6 if narrow else 14, metrics, self._type_url),
            0,
            0,
            1,
            4,
        )
        for column, (text, name, action) in enumerate(
            (
                ("https://", "setup_url_https", lambda: self._set_url("https://")),
                ("http://", "setup_url_http", lambda: self._set_url("http://")),
                ("1字消す / Delete", "setup_url_delete", lambda: self._set_url(self.url[:-1])),
                ("全部消す / Clear", "setup_url_clear", lambda: self._set_url("")),
            )
        ):
            button = touch_key(text, name, "label", metrics)
            button.clicked.connect(action)
            url_grid.addWidget(button, 1, column)
        code_board = QWidget()
        code_grid = QGridLayout(code_board)
        code_grid.setContentsMargins(0, 0, 0, 0)
        code_grid.setSpacing(metrics.key_spacing_px)
        code_grid.addWidget(
            key_grid(
                CODE_ALPHABET, "setup_code_key", 6 if narrow else 15, metrics, self._type_code
            ),
            0,
            0,
            1,
            2,
        )
        for column, (text, name, action) in enumerate(
            (
                ("1字消す / Delete", "setup_code_delete", lambda: self._set_code(self.code[:-1])),
                ("全部消す / Clear", "setup_code_clear", lambda: self._set_code("")),
            )
        ):
            button = touch_key(text, name, "label", metrics)
            button.clicked.connect(action)
            code_grid.addWidget(button, 1, column)
        self.keyboards.addWidget(url_board)
        self.keyboards.addWidget(code_board)
        self.body_layout.addWidget(self.keyboards, 1)
        self.url_field.clicked.connect(lambda: self._edit(0))
        self.code_field.clicked.connect(lambda: self._edit(1))
        self.connect_button.clicked.connect(self.connect_now)
        self.work.finished.connect(self._enrolled)
        self.work.failed.connect(lambda _: self.connect_button.setEnabled(True))
        self.relay.scanned.connect(self._scanned)
        self.relay.problem.connect(self.show_problem)
        self._refresh()
        self._edit(0)

    def _field(self, name: str) -> QPushButton:
        field = QPushButton()
        field.setObjectName(name)
        field.setCheckable(True)
        field.setMinimumHeight(self.metrics.min_target_px)
        field.setStyleSheet("text-align: left; font-family: monospace;")
        return field

    def _edit(self, index: int) -> None:
        self.keyboards.setCurrentIndex(index)
        self.url_field.setChecked(index == 0)
        self.code_field.setChecked(index == 1)

    def _type_url(self, key: str) -> None:
        self._set_url(self.url + key)

    def _set_url(self, text: str) -> None:
        self.url = text[:MAX_URL]
        self._refresh()

    def _type_code(self, key: str) -> None:
        self._set_code(self.code + key)

    def _set_code(self, text: str) -> None:
        self.code = text[:CODE_LENGTH]
        self._refresh()

    def _refresh(self) -> None:
        self.clear_lines()
        self.url_field.setText(self.url or "https://…")
        shown = self.code + "_" * (CODE_LENGTH - len(self.code))
        self.code_field.setText(grouped(shown))
        self.connect_button.setEnabled(len(self.code) == CODE_LENGTH and not self.work.busy)

    # -- the console's QR, through the scanner ------------------------------------------------

    def entered(self) -> None:
        c = self.wizard.choices
        if c.enrolled:
            self.show_result(self._enrolled_words())
        self.stop_scanner()
        if not c.scanner:
            self.qr_line.setText(
                "スキャナーなし: アドレスとコードを入力してください / No scanner: type them"
            )
            return
        try:
            self.scan = ScannerTest(c.scanner, self.relay.scanned.emit, self.relay.problem.emit)
            self.scan.start()
        except (WizardProblem, OSError) as problem:
            self.scan = None
            self.qr_line.setText(str(problem))
            return
        self.qr_line.setText(
            "管理画面の登録用QRコードをスキャナーにかざしてください / "
            "Hold the console's enrollment QR code to the scanner"
        )

    def left(self) -> None:
        self.stop_scanner()

    def stop_scanner(self) -> None:
        if self.scan is not None:
            self.scan.stop()
            self.scan = None

    def _scanned(self, text: str) -> None:
        try:
            url, code = self.wizard.read_enrollment_qr(text)
        except WizardProblem as problem:
            self.show_problem(str(problem))
            return
        self.url, self.code = url, code
        self._refresh()
        self.connect_now()

    # -- the exchange ---------------------------------------------------------------------------

    def connect_now(self) -> None:
        url, code = self.url, self.code
        if not self.work.run(lambda: self.wizard.enroll(url, code)):
            return
        self.connect_button.setEnabled(False)
        self.show_result(WAITING)

    def _enrolled(self, _done) -> None:
        self.code = ""  # spent: a second tap must not send it again
        self._refresh()
        self.show_result(self._enrolled_words())
        self.changed.emit()

    def _enrolled_words(self) -> str:
        c = self.wizard.choices
        return (
            f"登録しました / Enrolled: {c.kiosk_id}, 受付記号 letter {c.kiosk_letter}, "
            f"{c.municipality} ({c.backend_url})"
        )
