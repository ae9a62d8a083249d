"""The setup wizard by touch, every part real: `kiosk backend serve` in its own process with a
code from `kiosk backend kiosk enroll`, the printer emulator and the scanner emulator on socat
pseudo-terminals, and the built-in demo card ("sim": the same EmulatedCard the vpcd emulator
serves, without pcscd, which this machine's test run does not start for one card check)."""

from __future__ import annotations

import stat
import tomllib

import pytest

from core.enrollment import enrollment_qr
from devices.sim_card_reader import DEMO_IDENTITY
from kiosk.app import open_window
from kiosk.cli.local_backend import build_services
from kiosk.config import load_settings
from kiosk.config_base import KioskPaths
from kiosk.config_writer import check
from kiosk.first_screen import read_first_screen
from kiosk.setup_wizard import SetupWizard, Step, needs_wizard
from kiosk.technician import verify_pin
from screens.metrics import KIOSK
from screens.setup import SetupWizardView
from tests.emulators import EmulatorProcess, printer_emulator
from tests.gui import tap
from tests.test_enrollment_e2e import REFUSED, BackendProcess

WAIT_MS = 20_000
PIN = "402719"
HAND_WRITTEN = '# 設置: 本庁舎1階 市民課前、2026-12-05 佐藤\nlog_level = "INFO"  # 手書きの設定\n'


@pytest.fixture
def backend(tmp_path):
    running = BackendProcess(tmp_path)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def home(tmp_path) -> KioskPaths:
    root = tmp_path / "kiosk-home"
    paths = KioskPaths(root / "config", root / "data", root / "logs")
    paths.create()
    paths.config_file.write_text(HAND_WRITTEN, encoding="utf-8")
    return paths


def show(qtbot, paths: KioskPaths, *extra: str) -> SetupWizardView:
    view = SetupWizardView(SetupWizard(paths), KIOSK, tuple(extra))
    view.resize(1920, 1080)
    qtbot.addWidget(view)
    view.show()
    return view


def written(paths: KioskPaths) -> dict:
    return tomllib.loads(paths.config_file.read_text(encoding="utf-8"))


def type_pin(qtbot, view, pin: str) -> None:
    page = view.pages[Step.PIN]
    for digit in pin:
        tap(qtbot, page.pad.digit_keys[digit])
    tap(qtbot, page.ok)


def set_pin(qtbot, view) -> None:
    type_pin(qtbot, view, PIN)
    type_pin(qtbot, view, PIN)
    assert "PINを設定しました" in view.pages[Step.PIN].result.text()


def test_the_whole_wizard_from_an_empty_home(qtbot, japanese_qapp, backend, home, tmp_path):
    assert needs_wizard(home, None, environ={})
    code = backend.code("kiosk-31")
    printer_link, scanner_link = tmp_path / "printer", tmp_path / "scanner"
    paper = tmp_path / "paper"
    scanner = EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(scanner_link))
    with printer_emulator(printer_link, paper) as printer, scanner:
        view = show(qtbot, home, str(printer_link), str(scanner_link))

        # 1. The PIN, twice; a second entry that differs is refused and nothing is written.
        assert not view.next_button.isEnabled()  # nothing goes on before the PIN
        type_pin(qtbot, view, PIN)
        type_pin(qtbot, view, "402718")
        assert "2回目のPINが1回目と違います" in view.pages[Step.PIN].problem.text()
        assert "technician_pin_hash" not in written(home)
        set_pin(qtbot, view)
        assert verify_pin(PIN, written(home)["technician_pin_hash"])
        tap(qtbot, view.next_button)

        # 2. The scanner, by its port (a pty has no by-id name: it is listed with a warning).
        page = view.pages[Step.SCANNER]
        assert view.page is page
        port_button = page.chooser.list.buttons[str(scanner_link)]
        assert "固定名なし" in port_button.text()
        tap(qtbot, port_button)
        tap(qtbot, page.test_button)
        qtbot.waitUntil(lambda: page.test.state() == "ready", timeout=WAIT_MS)
        assert page.shown.text() == "何かをスキャンしてください / Scan something"
        scanner.send("scan テスト 123")
        qtbot.waitUntil(lambda: "テスト 123" in page.shown.text(), timeout=WAIT_MS)
        tap(qtbot, page.keep_button)
        assert written(home)["scanner"] == f"serial://{scanner_link}?baud=9600"
        tap(qtbot, view.next_button)

        # 3. The backend: the console's QR code, read by the scanner just chosen.
        page = view.pages[Step.BACKEND]
        qtbot.waitUntil(lambda: page.scan is not None and page.scan.state() == "ready")
        scanner.send(f"scan {enrollment_qr(backend.url, code)}")
        qtbot.waitUntil(lambda: "登録しました" in page.result.text(), timeout=WAIT_MS)
        assert "kiosk-31" in page.result.text()
        tap(qtbot, view.next_button)
        assert page.scan is None  # the scanner is let go with the page

        # 4. The printer: its port, model, a test receipt on the emulator and its preview.
        page = view.pages[Step.PRINTER]
        tap(qtbot, page.chooser.list.buttons[str(printer_link)])
        tap(qtbot, page.chooser.speed.buttons["115200"])
        tap(qtbot, page.model.buttons["tm-m30"])
        tap(qtbot, page.test_button)
        qtbot.waitUntil(lambda: "印刷できました" in page.result.text(), timeout=WAIT_MS)
        printer.wait_for("printed", 10)
        printed = (paper / "receipt-0001.txt").read_text(encoding="utf-8")
        assert "テスト印字" in printed and "kiosk-31" in printed
        assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()
        tap(qtbot, page.keep_button)
        tap(qtbot, view.next_button)

        # 5. The card reader: the demo card answers; nothing written on it is shown.
        page = view.pages[Step.CARD_READER]
        tap(qtbot, page.readers.buttons["sim"])
        tap(qtbot, page.test_button)
        qtbot.waitUntil(lambda: "My Number Card answered" in page.result.text(), timeout=WAIT_MS)
        on_screen = page.result.text()
        for personal in (DEMO_IDENTITY.name, DEMO_IDENTITY.address, "1989", "昭和"):
            assert personal not in on_screen
        tap(qtbot, page.keep_button)
        tap(qtbot, view.next_button)

        # 6. The summary, then 運用開始.
        page = view.pages[Step.SUMMARY]
        shown = "\n".join(page.values.values())
        assert "kiosk-31" in shown and str(printer_link) in shown and "sim" in shown
        with qtbot.waitSignal(view.start_operation, timeout=WAIT_MS):
            tap(qtbot, page.start_button)

        # 7. The kiosk starts in the same process with what was written (no restart), as
        # kiosk.app does after 運用開始: the printer on the emulator is its printer.
        start = open_window(
            japanese_qapp,
            read_first_screen(home, home.config_file, environ={}),
            lambda: build_services(load_settings(home.config_file, environ={}), home),
            locked=False,
        )
        qtbot.addWidget(start.shell)
        try:
            qtbot.waitUntil(lambda: start.shell.kiosk is not None, timeout=60_000)
            settings = start.services.settings
            assert (settings.kiosk_id, settings.printer_model) == ("kiosk-31", "tm-m30")
            assert settings.scanner == f"serial://{scanner_link}?baud=9600"
            # It syncs with the token the one-time code brought: the backend takes its
            # heartbeat (a token refused would answer 401/403 and return the reason).
            assert start.services.sync.heartbeat() is None
        finally:
            start.close()

    values = written(home)
    assert values["kiosk_id"] == "kiosk-31" and values["backend_url"] == backend.url
    assert values["kiosk_letter"] == "A" and values["municipality"] == "sample-city"
    assert len(values["seal_key_fingerprint"]) == 16
    assert values["printer"] == f"serial://{printer_link}?baud=115200"
    assert values["printer_model"] == "tm-m30"
    assert values["scanner"] == f"serial://{scanner_link}?baud=9600"
    assert values["card_reader"] == "sim"
    text = home.config_file.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN.splitlines()[0]) and "# 手書きの設定" in text
    check(text)  # a configuration the kiosk starts with
    token = home.backend_token_file
    assert stat.S_IMODE(token.stat().st_mode) == 0o600 and len(token.read_text().strip()) >= 20
    assert not needs_wizard(home, None, environ={})  # the next start is the kiosk's
    assert code.replace("-", "") not in text


def type_url_and_code(qtbot, page, url: str, code: str) -> None:
    tap(qtbot, page.url_field)
    tap(qtbot, page.findChild(type(page.url_field), "setup_url_clear"))
    for character in url:
        tap(qtbot, page.findChild(type(page.url_field), f"setup_url_key_{character}"))
    tap(qtbot, page.code_field)
    tap(qtbot, page.findChild(type(page.url_field), "setup_code_clear"))
    for character in code.replace("-", ""):
        tap(qtbot, page.findChild(type(page.url_field), f"setup_code_key_{character}"))
    assert page.url == url and page.code == code.replace("-", "")


def test_a_used_or_expired_code_is_refused_in_plain_words_and_nothing_written(
    qtbot, japanese_qapp, backend, home, tmp_path
):
    used = backend.code("kiosk-32")
    other = KioskPaths(tmp_path / "other" / "config", tmp_path / "other" / "data", tmp_path / "o")
    SetupWizard(other).enroll(backend.url, used)  # another kiosk took it first
    expired = backend.expired_code("kiosk-33")

    view = show(qtbot, home)
    set_pin(qtbot, view)
    before = home.config_file.read_bytes()
    view.open_at(Step.BACKEND)
    page = view.pages[Step.BACKEND]
    assert "スキャナーなし" in page.qr_line.text()  # no scanner chosen: typed by touch
    # The backend gives one refusal for every dead code (it never tells which): its words.
    for code in (used, expired):
        type_url_and_code(qtbot, page, backend.url, code)
        tap(qtbot, page.connect_button)
        qtbot.waitUntil(lambda: page.problem.isVisible(), timeout=WAIT_MS)
        assert REFUSED in page.problem.text(), page.problem.text()
        assert "有効期限切れ" in page.problem.text()  # the backend's plain words, whole
        assert not home.backend_token_file.exists()
        assert home.config_file.read_bytes() == before
    view.open_at(Step.SUMMARY)
    tap(qtbot, view.pages[Step.SUMMARY].start_button)
    assert "まだ設定されていません" in view.pages[Step.SUMMARY].problem.text()
