"""The ESC/POS printer driver against the printer emulator, a real process on a socat pty pair
(and on TCP): every fault ends in a clear outcome, and nothing hangs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from devices.escpos_printer import EscPosPrinter
from devices.escpos_status import Condition
from devices.printer import PrinterState, PrintOutcome
from devices.transport import parse_endpoint, transport_for
from tests.emulators import EmulatorProcess, printer_emulator
from tests.netutil import free_port
from tests.test_escpos import APPLICATION, sample_receipt

DEADLINE_S = 10.0


@pytest.fixture
def link(tmp_path):
    return tmp_path / "printer"


@pytest.fixture
def paper(tmp_path):
    return tmp_path / "paper"


def driver(url) -> EscPosPrinter:
    printer = EscPosPrinter(transport_for(parse_endpoint(str(url))))
    printer.open()
    return printer


def printed_text(paper, number: int) -> str:
    return (paper / f"receipt-{number:04d}.txt").read_text(encoding="utf-8")


def test_a_receipt_prints_and_reads_back(link, paper):
    with printer_emulator(link, paper) as emulator:
        printer = driver(link)
        assert printer.state is PrinterState.READY
        result = printer.print_receipt(sample_receipt(), DEADLINE_S)
        assert result.outcome is PrintOutcome.COMPLETED, result.detail
        emulator.wait_for("printed receipt-0001")
        text = printed_text(paper, 1)
        assert "受付番号" in text and "A-042" in text and "3番窓口" in text
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(paper / "receipt-0001.png")],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert decoded.stdout.strip() == f"MADOGUCHI1:A-042:{APPLICATION.id}"
        printer.close()


def test_paper_near_end_prints_and_warns(link, paper):
    with printer_emulator(link, paper, "near-end"):
        result = driver(link).print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.COMPLETED
    assert result.conditions == {Condition.PAPER_NEAR_END}


def test_paper_out_after_a_job_stops_the_next_one_before_it_starts(link, paper):
    with printer_emulator(link, paper, "paper-out-after=1") as emulator:
        printer = driver(link)
        assert printer.print_receipt(sample_receipt(), DEADLINE_S).outcome is PrintOutcome.COMPLETED
        emulator.wait_for("paper out")
        second = printer.print_receipt(sample_receipt(), DEADLINE_S)
    assert second.outcome is PrintOutcome.FAILED_BEFORE_START
    assert Condition.PAPER_OUT in second.conditions
    assert printer.state is PrinterState.ERROR


def test_paper_running_out_during_a_job_fails_it_mid_job(link, paper):
    with printer_emulator(link, paper, "paper-out-mid-job") as emulator:
        result = driver(link).print_receipt(sample_receipt(), DEADLINE_S)
        emulator.wait_for("job cut with no paper")
    assert result.outcome is PrintOutcome.FAILED_MID_JOB
    assert Condition.PAPER_OUT in result.conditions
    assert not (paper / "receipt-0001.png").exists()


def test_cover_open_fails_before_start_and_closing_it_recovers(link, paper):
    with printer_emulator(link, paper, "cover-open") as emulator:
        printer = driver(link)
        assert printer.status().conditions >= {Condition.COVER_OPEN}
        first = printer.print_receipt(sample_receipt(), DEADLINE_S)
        emulator.send("clear")
        second = printer.print_receipt(sample_receipt(), DEADLINE_S)
    assert first.outcome is PrintOutcome.FAILED_BEFORE_START
    assert Condition.COVER_OPEN in first.conditions
    assert second.outcome is PrintOutcome.COMPLETED


def test_a_silent_printer_fails_before_start_within_the_deadline(link, paper):
    with printer_emulator(link, paper, "silent"):
        result = driver(link).print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.FAILED_BEFORE_START
    assert result.conditions == {Condition.NOT_ANSWERING}
    assert "no status reply" in result.detail
    assert not (paper / "receipt-0001.txt").exists()


def test_a_garbage_status_byte_is_not_trusted(link, paper):
    with printer_emulator(link, paper, "garbage-status"):
        result = driver(link).print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.FAILED_BEFORE_START
    assert "0xFF" in result.detail and "not a status byte" in result.detail


def test_a_printer_reset_mid_job_is_reported_and_the_next_job_prints_kanji(link, paper):
    with printer_emulator(link, paper, "reset-mid-job") as emulator:
        printer = driver(link)
        first = printer.print_receipt(sample_receipt(), DEADLINE_S)
        emulator.wait_for("printed receipt-0001")
        second = printer.print_receipt(sample_receipt(), DEADLINE_S)
        emulator.wait_for("printed receipt-0002")
    assert first.outcome is PrintOutcome.FAILED_MID_JOB
    assert Condition.OFFLINE in first.conditions
    # The reset lost kanji mode: the rest of the first receipt is garbage on paper…
    assert "3番窓口" not in printed_text(paper, 1)
    # …and the next job re-sends the preamble, so it prints Japanese again.
    assert second.outcome is PrintOutcome.COMPLETED
    assert "3番窓口" in printed_text(paper, 2)


def test_cable_pulled_mid_job_fails_it_and_then_the_printer_is_not_connected(link, paper):
    with printer_emulator(link, paper, "unplug-mid-job") as emulator:
        printer = driver(link)
        result = printer.print_receipt(sample_receipt(), DEADLINE_S)
        emulator.wait_for("stopped")
        after = printer.print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.FAILED_MID_JOB
    assert Condition.NOT_CONNECTED in result.conditions
    assert after.outcome is PrintOutcome.FAILED_BEFORE_START
    assert after.conditions == {Condition.NOT_CONNECTED}


def test_printer_absent_at_boot_is_a_status_and_is_found_once_plugged_in(link, paper):
    printer = driver(link)
    assert printer.state is PrinterState.ERROR
    assert printer.status().conditions == {Condition.NOT_CONNECTED}
    assert "cannot open" in printer.status().detail
    with printer_emulator(link, paper):
        assert printer.refresh_status(DEADLINE_S).state is PrinterState.READY
        result = printer.print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.COMPLETED


def test_a_second_program_cannot_take_the_port(link, paper):
    with printer_emulator(link, paper):
        first = driver(link)
        second = driver(link)
        assert first.state is PrinterState.READY
        assert second.state is PrinterState.ERROR
        assert "cannot open" in second.status().detail


def tcp_emulator(paper, port, *faults) -> EmulatorProcess:
    fault_args = [arg for fault in faults for arg in ("--fault", fault)]
    return EmulatorProcess(
        "devices.emulators.printer_emulator",
        "--listen",
        f"127.0.0.1:{port}",
        "--render",
        str(paper),
        "--baud",
        "115200",
        *fault_args,
    )


def test_network_printer_on_port_9100_style_tcp(paper):
    port = free_port()
    with tcp_emulator(paper, port) as emulator:
        printer = driver(f"tcp://127.0.0.1:{port}")
        result = printer.print_receipt(sample_receipt(), DEADLINE_S)
        emulator.wait_for("printed receipt-0001")
    assert result.outcome is PrintOutcome.COMPLETED
    assert "受付番号" in printed_text(paper, 1)


def test_network_printer_dropping_the_connection_mid_job(paper):
    port = free_port()
    with tcp_emulator(paper, port, "unplug-mid-job"):
        result = driver(f"tcp://127.0.0.1:{port}").print_receipt(sample_receipt(), DEADLINE_S)
    assert result.outcome is PrintOutcome.FAILED_MID_JOB
    assert Condition.NOT_CONNECTED in result.conditions


def test_network_printer_absent_is_not_connected():
    printer = driver(f"tcp://127.0.0.1:{free_port()}")
    assert printer.status().conditions == {Condition.NOT_CONNECTED}


def kiosk_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_technician_test_receipt_with_a_name_beyond_cp932(tmp_path, link, paper):
    emulator = EmulatorProcess(
        "kiosk", "devices", "emulate", "printer", "--link", str(link), "--render", str(paper)
    )
    with emulator:
        done = kiosk_cli(
            "devices", "test", "printer", "--port", f"serial://{link}", "--text", "𠮷野 髙子"
        )
        emulator.wait_for("printed receipt-0001")
    assert done.returncode == 0, done.stderr
    assert "completed" in done.stdout
    rows = printed_text(paper, 1).splitlines()
    assert "住民票 印鑑登録証明書 髙橋 﨑" in rows  # cp932 text stays text
    assert "[image 576x54]" in rows  # the 𠮷 line went as a raster picture, at size 2
    assert rows[rows.index("[image 576x54]") - 1].startswith("----+----1")  # after the ruler
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(paper / "receipt-0001.png")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert decoded.stdout.startswith("MADOGUCHI-TEST:kiosk-01:")


def test_technician_test_printer_reports_a_fault_and_fails(link, paper):
    with printer_emulator(link, paper, "cover-open"):
        done = kiosk_cli("devices", "test", "printer", "--port", f"serial://{link}")
    assert done.returncode == 1
    assert "failed_before_start" in done.stdout and "cover_open" in done.stdout


def test_devices_list_shows_roles_and_states_as_json(tmp_path, link, paper):
    import json
    import os

    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'printer = "serial://{link}?baud=115200"\nscanner = "serial://{tmp_path}/none"\n',
        encoding="utf-8",
    )
    with printer_emulator(link, paper):
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", "devices", "list", "--json", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "KIOSK_HOME": str(tmp_path / "home")},
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    roles = {role["role"]: role for role in report["roles"]}
    assert roles["printer"]["state"] == "ready"
    assert roles["scanner"]["state"] == "error"
    assert roles["scanner"]["conditions"] == ["not_connected"]
    assert isinstance(report["ports"], list)


def test_technician_test_scanner_waits_for_one_scan(tmp_path):
    link = tmp_path / "scanner"
    with EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(link)) as emulator:
        waiting = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "devices", "test", "scanner", "--port", str(link)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = waiting.stdout.readline()  # printed once the reader runs
        assert "scan a code" in first
        # The reader may still be opening the port: repeat (debounce drops no new text).
        for attempt in range(20):
            emulator.send(f"scan 受付 {attempt}")
            try:
                out, _ = waiting.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                continue
    assert waiting.returncode == 0
    assert "scanned (utf-8): 受付" in out
