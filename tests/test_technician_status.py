"""Technician mode's words and records without Qt: the log's tail read with a bound, the
bounded record of device faults, the sync page's times, the notice's counter and message, and
the support bundle's deadline."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.catalog import Catalog
from kiosk.events import DeviceStatusChanged, ReceiptFailed, StaffCalled
from kiosk.technician_bundle import BundleJob
from kiosk.technician_faults import FAULTS_KEPT, DeviceFaults
from kiosk.technician_out_of_service import PRESETS, nearest_counter, resident_message
from kiosk.technician_status import LOG_TAIL_BYTES, log_tail, sync_lines


class ReadCounter:
    """A file handle that counts the bytes read through it."""

    def __init__(self, handle) -> None:
        self.handle, self.bytes_read = handle, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def seek(self, *args) -> int:
        return self.handle.seek(*args)

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.bytes_read += len(data)
        return data


def test_the_log_tail_reads_only_the_end_of_a_big_file(tmp_path: Path, monkeypatch):
    log = tmp_path / "kiosk.log"
    with log.open("w", encoding="utf-8") as handle:
        for number in range(100_000):  # ≈ 5 MB: far more than a page, or a GUI thread, wants
            handle.write(f"2026-12-05 09:00:00,000 INFO kiosk.test: line {number:06d}\n")
    opened: list[ReadCounter] = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        opened.append(ReadCounter(real_open(self, *args, **kwargs)))
        return opened[-1]

    monkeypatch.setattr(Path, "open", counting_open)
    lines = log_tail(log, lines=40)
    monkeypatch.undo()
    assert len(lines) == 40
    assert lines[-1].endswith("line 099999") and lines[0].endswith("line 099960")
    assert len(opened) == 1 and 0 < opened[0].bytes_read <= LOG_TAIL_BYTES


def test_the_log_tail_drops_a_line_cut_by_the_bound_and_says_when_there_is_no_log(tmp_path):
    log = tmp_path / "kiosk.log"
    log.write_text("x" * 100 + "\nwhole line\n", encoding="utf-8")
    assert log_tail(log, max_bytes=30) == ["whole line"]  # not the cut "xxxx…"
    assert "No log file yet" in log_tail(tmp_path / "missing.log")[0]
    log.write_text("日本語の行\n", encoding="utf-8")
    assert log_tail(log, max_bytes=4) == ["(空 / empty)"]  # half a character: nothing whole


def test_device_faults_are_kept_newest_first_and_bounded():
    clock = [1_000.0]
    faults = DeviceFaults(lambda: clock[0])
    faults.on_event(DeviceStatusChanged("printer", "ready"))  # fine: not a fault
    faults.on_event(DeviceStatusChanged("printer", "busy"))
    faults.on_event(StaffCalled("home"))
    assert faults.recent("printer") == []
    for number in range(FAULTS_KEPT + 3):
        clock[0] += 1
        faults.on_event(DeviceStatusChanged("printer", "error", (f"condition_{number}",)))
    faults.on_event(DeviceStatusChanged("printer", "ready", ("paper_near_end",)))
    clock[0] += 1
    faults.on_event(ReceiptFailed("app-1", "failed_mid_job", "print_failed", ("cover_open",)))
    kept = faults.recent("printer")
    assert len(kept) == FAULTS_KEPT
    assert kept[0].state == "failed_mid_job" and kept[0].conditions == ("cover_open",)
    assert kept[1].state == "ready" and kept[1].conditions == ("paper_near_end",)
    assert [fault.at for fault in kept] == sorted((fault.at for fault in kept), reverse=True)
    for number in range(20):  # a flood of device names cannot grow the record without end
        faults.record(f"device-{number}", "error")
    assert len(faults.devices()) <= 8 and faults.recent("printer")


def test_the_sync_page_says_when_in_local_time_and_the_last_error():
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1, minutes=1)).isoformat()
    lines = sync_lines(
        {
            "pending": 3,
            "last_success": an_hour_ago,
            "last_heartbeat": None,
            "last_error": "the backend did not answer within 5 s",
            "next_attempt": (datetime.now(UTC) + timedelta(minutes=5, seconds=30)).isoformat(),
        }
    )
    local = datetime.fromisoformat(an_hour_ago).astimezone()
    assert "送信待ち / Waiting to send: 3" in lines
    assert f"Last successful sync: {local:%Y-%m-%d %H:%M:%S} (1時間前 / 1 h ago)" in lines[1]
    assert lines[2].endswith("まだありません / never")
    assert lines[3] == "最後のエラー / Last error: the backend did not answer within 5 s"
    assert lines[4].startswith("次の再試行 / Next attempt: ")
    assert lines[4].endswith("(あと5分 / in 5 min)")


def test_the_notice_counter_takes_most_procedures_and_ties_go_to_the_lower_number():
    catalog = Catalog.load("sample-city")
    procedures = catalog.procedures()
    assert nearest_counter(procedures, catalog.municipality).number == 3  # 証明窓口: 4 of 13
    moving = [p for p in procedures if p.counter in ("resident", "mynumber")]
    assert nearest_counter(moving, catalog.municipality).number == 1  # 住民異動: 3 of 4
    one_each = [next(p for p in procedures if p.counter == c) for c in ("taxes", "children")]
    assert nearest_counter(one_each, catalog.municipality).number == 6  # a tie: the lower
    lowest = min(c.number for c in catalog.municipality.counters.values())
    assert nearest_counter([], catalog.municipality).number == lowest


def test_a_preset_message_is_translated_and_any_other_shown_as_written():
    texts = {f"out_of_service_{name}": f"<{name}>" for name in PRESETS}
    assert resident_message("maintenance", texts.__getitem__) == "<maintenance>"
    assert resident_message("館内の停電のため", texts.__getitem__) == "館内の停電のため"
    assert resident_message("", texts.__getitem__) == ""


def test_a_bundle_that_does_not_finish_in_time_is_reported_not_waited_for(
    services, tmp_path, monkeypatch
):
    import kiosk.support_bundle as support_bundle

    release = threading.Event()

    def stuck(folder, services):  # a USB stick that stopped answering
        release.wait(30)
        raise OSError("the stick was pulled out")

    monkeypatch.setattr(support_bundle, "write_bundle", stuck)
    clock = [0.0]
    job = BundleJob(services, deadline_s=60, now=lambda: clock[0])
    try:
        assert "Writing to" in job.start(tmp_path)
        assert job.poll() is None and job.running
        assert "Already writing" in job.start(tmp_path)
        clock[0] = 61.0
        outcome = job.poll()
        assert outcome is not None and "Not written within 60 s" in outcome
        assert not job.running
    finally:
        release.set()
        job.close()
