"""The QR scanner driver against the scanner emulator (a real process on a socat pty pair)."""

from __future__ import annotations

import queue
import time

import pytest

from devices.device_state import DeviceState
from devices.scanner import Debouncer, FrameSplitter, ScanError, SerialScanner, decode_frame
from devices.transport import parse_endpoint, transport_for
from tests.emulators import EmulatorProcess

WAIT_S = 10.0


def wait_until(condition, timeout: float = WAIT_S) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached in time"
        time.sleep(0.01)  # polling a condition, with a deadline


@pytest.fixture
def scanner_link(tmp_path):
    link = tmp_path / "scanner"
    emulator = EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(link)).start()
    yield link, emulator
    emulator.stop()


@pytest.fixture
def reader(scanner_link):
    link, emulator = scanner_link
    scans: queue.Queue = queue.Queue()
    problems: queue.Queue = queue.Queue()
    scanner = SerialScanner(transport_for(parse_endpoint(str(link))), scans.put, problems.put)
    scanner.start()
    wait_until(lambda: scanner.status().state is DeviceState.READY)
    yield scanner, emulator, scans, problems
    scanner.stop()


def test_a_utf8_scan_arrives_whole(reader):
    scanner, emulator, scans, _ = reader
    emulator.send('scan MADOGUCHI-PRE/1 {"p":"juminhyo"}')
    scan = scans.get(timeout=WAIT_S)
    assert scan.text == 'MADOGUCHI-PRE/1 {"p":"juminhyo"}' and scan.encoding == "utf-8"
    assert scanner.status().state is DeviceState.READY


def test_a_shift_jis_scan_is_decoded_as_cp932(reader):
    _, emulator, scans, _ = reader
    emulator.send("scan-cp932 𠮷".replace("𠮷", "髙橋"))
    scan = scans.get(timeout=WAIT_S)
    assert scan.text == "髙橋" and scan.encoding == "cp932"


def test_a_frame_split_across_reads_is_joined(reader):
    _, emulator, scans, _ = reader
    emulator.send("scan-split 受付番号A-042の控え")
    assert scans.get(timeout=WAIT_S).text == "受付番号A-042の控え"


def test_the_same_code_twice_in_a_row_counts_once(reader):
    _, emulator, scans, _ = reader
    emulator.send("scan same")
    emulator.send("scan same")
    emulator.send("scan other")
    assert scans.get(timeout=WAIT_S).text == "same"
    assert scans.get(timeout=WAIT_S).text == "other"  # the repeat never arrived


def test_bytes_in_neither_encoding_are_reported_not_guessed(reader):
    _, emulator, scans, problems = reader
    emulator.send("raw 41 82 0d")  # a Shift_JIS lead byte with no trail
    assert "neither UTF-8 nor Shift_JIS" in problems.get(timeout=WAIT_S)
    emulator.send("scan after")
    assert scans.get(timeout=WAIT_S).text == "after"  # and the scanner keeps working


def test_scanner_absent_then_plugged_in(tmp_path):
    link = tmp_path / "late-scanner"
    scans: queue.Queue = queue.Queue()
    scanner = SerialScanner(transport_for(parse_endpoint(str(link))), scans.put)
    scanner.start()
    try:
        with EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(link)) as emulator:
            emulator.send("scan hello")
            # Frames sent before the reader reconnected may be lost, as with a real scanner.
            while True:
                emulator.send("scan hello")
                try:
                    assert scans.get(timeout=1.5).text == "hello"
                    break
                except queue.Empty:
                    continue
    finally:
        scanner.stop()


def test_frames_units():
    splitter = FrameSplitter()
    assert splitter.feed(b"ab") == []
    assert splitter.feed(b"c\r\nde\r") == [b"abc", b"de"]
    with pytest.raises(ScanError):
        splitter.feed(b"x" * 5000)
    assert decode_frame("髙".encode("cp932")).encoding == "cp932"
    debouncer = Debouncer(2.0)
    assert not debouncer.is_repeat("a", now=0.0)
    assert debouncer.is_repeat("a", now=1.0)
    assert not debouncer.is_repeat("a", now=3.5)
