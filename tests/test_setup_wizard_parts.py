"""The setup wizard's parts: the first-start rule, the PIN's checks, ports by identity (a socat
pty has no by-id name), the receipt preview, reopening one step from technician mode, and
`kiosk run` starting in the wizard on an empty KIOSK_HOME."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.emulators.pty_link import PtyLink
from devices.serial_ports import EXTRA_PORTS_VARIABLE, list_serial_ports
from kiosk.config_base import KioskPaths
from kiosk.setup_wizard import (
    WIZARD_VARIABLE,
    SetupWizard,
    Step,
    WizardProblem,
    needs_wizard,
)
from kiosk.setup_wizard_devices import check_card, preview, technician_receipt
from tests.gui import tap

START_DEADLINE_S = 60


@pytest.fixture
def home(tmp_path) -> KioskPaths:
    root = tmp_path / "kiosk-home"
    paths = KioskPaths(root / "config", root / "data", root / "logs")
    paths.create()
    return paths


@pytest.fixture
def pty(tmp_path):
    link = PtyLink(tmp_path / "ttyTEST")
    link.plug_in()
    yield link.link
    link.close()


def test_the_wizard_is_shown_while_there_is_neither_a_pin_nor_a_token(home):
    assert needs_wizard(home, None, environ={})
    home.config_file.write_text('printer = "sim"  # by hand\n')
    assert needs_wizard(home, home.config_file, environ={})  # devices alone are not a setup
    assert not needs_wizard(home, None, environ={"KIOSK_BACKEND_TOKEN": "x" * 24})
    assert not needs_wizard(home, None, environ={WIZARD_VARIABLE: "0"})
    home.backend_token_file.write_text("t" * 30)
    assert not needs_wizard(home, None, environ={})
    assert needs_wizard(home, None, environ={WIZARD_VARIABLE: "1"})
    home.backend_token_file.unlink()
    SetupWizard(home).set_pin("402719", "402719")
    assert not needs_wizard(home, None, environ={})


@pytest.mark.parametrize("pin", ["12345", "111111", "123456", "12a456", "１２３４５６"])
def test_a_short_easy_or_non_digit_pin_is_refused_and_nothing_written(home, pin):
    with pytest.raises(WizardProblem, match="PIN"):
        SetupWizard(home).set_pin(pin, pin)
    assert not home.config_file.exists()


def test_a_second_pin_that_differs_is_refused(home):
    home.config_file.write_text("# 手書き\n")
    with pytest.raises(WizardProblem, match="2回目"):
        SetupWizard(home).set_pin("402719", "402791")
    assert home.config_file.read_text() == "# 手書き\n"


def test_a_pty_is_listed_without_a_stable_name_from_an_argument_or_the_variable(pty, monkeypatch):
    assert str(pty) not in {port.device for port in list_serial_ports()}
    listed = {port.device: port for port in list_serial_ports([str(pty)])}
    assert listed[str(pty)].stable_name is None and listed[str(pty)].path == str(pty)
    monkeypatch.setenv(EXTRA_PORTS_VARIABLE, f"/nonexistent/port:{pty}")
    devices = [port.device for port in list_serial_ports()]
    assert devices.count(str(pty)) == 1 and "/nonexistent/port" not in devices


def test_kiosk_devices_list_uses_the_same_listing(pty, home):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    environment.update(KIOSK_HOME=str(home.config_dir.parent), **{EXTRA_PORTS_VARIABLE: str(pty)})
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "devices", "list"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{pty} (no stable name: use by-id when possible)" in result.stdout


def test_the_preview_is_the_receipt_the_printer_would_draw():
    from io import BytesIO

    from PIL import Image

    picture = Image.open(BytesIO(preview(technician_receipt("kiosk-07", "setup"), "generic")))
    assert picture.width == 576 + 2 * 16 and picture.height > 300


def test_the_card_check_says_what_answered_and_nothing_of_a_resident():
    from devices.sim_card_reader import DEMO_IDENTITY

    checked = check_card("sim")
    assert checked.answered and "My Number Card" in checked.kind and checked.atr
    assert DEMO_IDENTITY.name not in repr(checked) and "札幌" not in repr(checked)


def test_a_scanned_qr_that_is_not_an_enrollment_is_said_without_echoing_it():
    with pytest.raises(WizardProblem, match="Not an enrollment QR") as refused:
        SetupWizard.read_enrollment_qr("MADOGUCHI-ENROLL/1 https://b.example 0OOOO-IIIII")
    assert "0OOOO" not in str(refused.value)


def test_technician_mode_reopens_one_step_and_says_when_it_applies(qtbot, japanese_qapp, home):
    from PySide6.QtWidgets import QWidget

    from screens.setup import APPLIED, NEXT_START, open_wizard

    parent = QWidget()
    parent.resize(1920, 1080)
    qtbot.addWidget(parent)
    parent.show()
    said: list[str] = []
    view = open_wizard(parent, home, Step.CARD_READER, on_closed=said.append)
    assert view.page is view.pages[Step.CARD_READER] and not view.next_button.isVisible()
    tap(qtbot, view.pages[Step.CARD_READER].readers.buttons["sim"])
    tap(qtbot, view.pages[Step.CARD_READER].keep_button)
    tap(qtbot, view.close_button)
    assert said == [NEXT_START] and 'card_reader = "sim"' in home.config_file.read_text()
    applied: list[Step] = []
    view = open_wizard(
        parent,
        home,
        "printer",
        apply=lambda step: applied.append(step) or True,
        on_closed=said.append,
    )
    tap(qtbot, view.close_button)
    assert applied == [Step.PRINTER] and said[-1] == APPLIED


def test_first_start_window_gives_way_to_the_kiosk_at_start_operation(qtbot, japanese_qapp, home):
    from kiosk.app import FirstStart, show_setup_wizard
    from kiosk.first_screen import read_first_screen

    first = read_first_screen(home, None, profile=None, practice=None)
    begun: list[bool] = []
    window = show_setup_wizard(
        japanese_qapp, first, FirstStart(home), lambda: begun.append(True), locked=True
    )
    qtbot.addWidget(window)
    assert window.windowTitle().startswith("Madoguchi") and window.isVisible()
    window.close()
    assert window.isVisible()  # a locked kiosk's window is not closed by a key or the WM
    window.view.start_operation.emit()
    assert begun == [True]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_kiosk_run_on_an_empty_home_starts_in_the_wizard(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    environment.pop(WIZARD_VARIABLE, None)
    environment.update(KIOSK_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--profile", "phone"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        line = process.stdout.readline()  # the first line; readline returns at EOF too
        assert "first start, setup wizard on screen" in line, process.stderr.read()
        end = time.monotonic() + START_DEADLINE_S
        assert process.poll() is None and time.monotonic() < end
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    # Nothing was written by just showing the wizard.
    assert not (Path(tmp_path / "home") / "data" / "backend-token").exists()
