"""Devices as the rest of the kiosk meets them: the application is never lost to a printer
fault, the resident gets plain words, staff get an alert, receipts can be printed again, and a
QR pre-entry reaches only a screen that waits for one."""

from __future__ import annotations

import threading

import pytest

from core import preentry
from core.catalog import Catalog
from core.preentry import PreEntryError
from devices.device_state import DeviceState, DeviceStatus
from devices.escpos_status import Condition
from devices.printer import PrintOutcome
from devices.scanner import Scan
from devices.supervisor import DeviceSupervisor
from kiosk.cli.local_backend import build_services
from kiosk.device_problems import resident_message
from kiosk.events import EventKind, ScanArrived, ScanRefused, StaffAlertRaised
from tests.emulators import printer_emulator
from tests.helpers import finalize_juminhyo as finalize


class Recorder:
    def __init__(self, services) -> None:
        self.events = []
        self._lock = threading.Lock()
        services.events.subscribe(self._record)

    def _record(self, event) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind):
        with self._lock:
            return [event for event in self.events if event.kind is kind]


@pytest.fixture
def serial_kiosk(settings, kiosk_paths, tmp_path):
    """A kiosk whose printer is the emulator on a pty pair; faults are set per test."""

    def start(*faults):
        link, paper = tmp_path / "printer", tmp_path / "paper"
        emulator = printer_emulator(link, paper, *faults).start()
        configured = settings.model_copy(update={"printer": f"serial://{link}?baud=115200"})
        services = build_services(configured, kiosk_paths)
        started.append((services, emulator))
        return services, emulator, paper

    started = []
    yield start
    for services, emulator in started:
        services.close()
        emulator.stop()


def test_out_of_paper_keeps_the_application_tells_the_resident_and_alerts_staff(serial_kiosk):
    services, _, _ = serial_kiosk("paper-out")
    recorder = Recorder(services)
    application = finalize(services)
    assert services.store.application(application.id)["reception_number"] == "A-001"
    assert application.id in services.store.outbox_ids()
    assert services.store.receipt_outcomes(application.id) == ["failed_before_start"]
    (failed,) = recorder.of(EventKind.RECEIPT_DID_FAIL)
    assert failed.problem == "printer_paper_out"
    assert "用紙がありません" in services.text(failed.problem, "ja")
    alerts = recorder.of(EventKind.STAFF_ALERT_WAS_RAISED)
    assert StaffAlertRaised("printer", ("offline", "paper_out")) in alerts


def test_the_last_receipt_prints_again_marked_as_a_reprint(serial_kiosk):
    services, emulator, paper = serial_kiosk()
    application = finalize(services)
    emulator.wait_for("printed receipt-0001")
    result = services.reprint().result(timeout=30)
    assert result.outcome is PrintOutcome.COMPLETED
    emulator.wait_for("printed receipt-0002")
    first = (paper / "receipt-0001.txt").read_text(encoding="utf-8")
    again = (paper / "receipt-0002.txt").read_text(encoding="utf-8")
    assert again.startswith("再発行\n")
    assert again.split("\n", 1)[1] == first  # the same receipt, below the mark
    journal = services.store.receipt_journal()
    assert [row["outcome"] for row in journal] == ["completed", "completed"]
    assert journal[0]["detail"].startswith("reprint:")
    assert journal[0]["application_id"] == application.id


def test_reprint_with_nothing_printed_yet_says_so(services):
    assert services.reprint() is None


def test_a_printer_absent_at_start_does_not_stop_the_kiosk(settings, kiosk_paths, tmp_path):
    configured = settings.model_copy(update={"printer": f"serial://{tmp_path}/nothing"})
    services = build_services(configured, kiosk_paths)
    try:
        application = finalize(services)
        assert services.store.receipt_outcomes(application.id) == ["failed_before_start"]
        status = services.device_statuses()["printer"]
        assert status.state is DeviceState.ERROR and "not_connected" in status.conditions
    finally:
        services.close()


def test_resident_messages_for_each_outcome():
    assert resident_message(PrintOutcome.COMPLETED, {Condition.PAPER_NEAR_END}) is None
    assert resident_message(PrintOutcome.FAILED_MID_JOB, {Condition.COVER_OPEN}) == (
        "printer_cover_open"
    )
    assert resident_message(PrintOutcome.UNKNOWN, {Condition.NOT_ANSWERING}) == "print_unknown"
    assert resident_message(PrintOutcome.FAILED_BEFORE_START, {Condition.NOT_CONNECTED}) == (
        "print_failed"
    )


# -- QR pre-entry ------------------------------------------------------------------------


def test_preentry_payload_round_trip_and_refusals():
    catalog = Catalog.load("sample-city")
    text = preentry.encode("juminhyo", {"copies": 2, "purpose": "work"})
    assert text.startswith("MADOGUCHI-PRE/1 ")
    entry = preentry.parse(text, catalog)
    assert entry.procedure_id == "juminhyo" and entry.answers == {"copies": 2, "purpose": "work"}
    for bad, key in (
        ("https://example.jp/", "scan_not_preentry"),
        ("MADOGUCHI-PRE/3 {}", "scan_newer_version"),  # 2 is the phone form's (issue 15)
        ("MADOGUCHI-PRE/1 {not json", "scan_not_preentry"),
        (preentry.encode("no_such_thing", {}), "scan_unknown_procedure"),
    ):
        with pytest.raises(PreEntryError) as caught:
            preentry.parse(bad, catalog)
        assert caught.value.key == key


def test_preentry_may_say_who_applies_where_the_procedure_asks_it():
    """本人・世帯の方・代理人 is the kiosk's own page of a procedure with several applicants:
    the web form asks it too, so the code carries it (docs/PREENTRY.md's example)."""
    catalog = Catalog.load("sample-city")
    text = preentry.encode("juminhyo", {"applicant": "self", "copies": 2, "purpose": "work"})
    entry = preentry.parse(text, catalog)
    assert entry.answers["applicant"] == "self" and entry.refused == ()
    single = next(p for p in catalog.all_procedures() if len(p.applicants) == 1)
    alone = preentry.parse(preentry.encode(single.id, {"applicant": "self"}), catalog)
    assert alone.refused == ("applicant",)  # not asked there: nothing to carry


def test_preentry_never_carries_a_my_number():
    catalog = Catalog.load("sample-city")
    entry = preentry.parse(
        preentry.encode("jido_teate", {"my_number": "621498320257", "nonsense": 1}), catalog
    )
    assert entry.answers == {}
    assert set(entry.refused) == {"my_number", "nonsense"}


def test_a_scan_reaches_only_a_screen_that_waits_and_is_validated_like_typed_input(services):
    recorder = Recorder(services)
    payload = preentry.encode("juminhyo", {"applicant": "self", "copies": 99, "purpose": "work"})
    services.on_scan(Scan(payload, "utf-8"))
    assert recorder.of(EventKind.SCAN_WAS_IGNORED) and services.take_preentry_session() is None

    services.expect_scan(True)
    services.on_scan(Scan("garbage", "utf-8"))
    assert recorder.of(EventKind.SCAN_WAS_REFUSED)[0] == ScanRefused("scan_not_preentry")
    services.on_scan(Scan(payload, "utf-8"))
    (arrived,) = recorder.of(EventKind.SCAN_DID_ARRIVE)
    assert arrived == ScanArrived("juminhyo")  # the answers are not in the event
    session = services.take_preentry_session()
    assert session.answer_for("purpose") == "work"
    # 99 copies fails validation like typed input would: that page is asked, not filled.
    assert session.answer_for("copies") is None
    assert session.page.id in ("applicant", "copies")
    assert services.take_preentry_session() is None  # taken once


# -- supervisor ---------------------------------------------------------------------------


class FakeScanner:
    """A scanner whose reader thread can be made to die (only the thread is faked)."""

    def __init__(self) -> None:
        self.alive = False
        self.starts = 0

    def start(self) -> None:
        self.alive = True
        self.starts += 1

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY if self.alive else DeviceState.CLOSED)


def test_supervisor_restarts_a_dead_reader_and_reports_changes(tmp_path):
    from devices.registry import build_printer

    link, paper = tmp_path / "printer", tmp_path / "paper"
    printer = build_printer(f"serial://{link}?baud=115200", tmp_path)
    printer.open()
    scanner = FakeScanner()
    changes = []
    supervisor = DeviceSupervisor(
        {"printer": printer, "scanner": scanner}, lambda role, s: changes.append((role, s))
    )
    supervisor.poll_once()
    assert scanner.starts == 1 and supervisor.restarts == 1
    assert ("printer", DeviceState.ERROR) in [(role, s.state) for role, s in changes]
    with printer_emulator(link, paper):
        supervisor.poll_once()  # hot-plug: the printer is found without restarting the kiosk
        assert changes[-1][0] == "printer" and changes[-1][1].state is DeviceState.READY
        scanner.alive = False
        supervisor.poll_once()
        assert scanner.starts == 2
    printer.close()


def test_a_status_that_was_not_refreshed_is_reported_stale():
    class Frozen:
        def status(self):
            return DeviceStatus(DeviceState.READY, at=0.0)

    supervisor = DeviceSupervisor({"printer": Frozen()}, lambda role, s: None, poll_s=1.0)
    status = supervisor.statuses()["printer"]
    assert status.state is DeviceState.ERROR and "stale" in status.conditions
