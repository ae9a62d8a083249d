"""Every way `kiosk` ends prints a plain line (issue 13, finding 8): never an empty message,
never a traceback for a full disk, and `kiosk simulate` waits for a busy printer instead of
giving up on it with an empty TimeoutError."""

from __future__ import annotations

import argparse
import errno
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import CommandFailed, plain
from kiosk.cli import main as cli_main
from kiosk.cli import simulate as simulate_cli
from kiosk.store import KioskStore

FILE_SIZE_LIMIT = 300_000  # bytes any one file of the simulating process may grow to


def test_plain_words_for_errors_without_a_message_and_for_errnos():
    assert plain(TimeoutError()) == "timed out"
    assert plain(ValueError()) == "ValueError (no details)"
    full = OSError(errno.ENOSPC, "No space left on device", "/data/kiosk.sqlite3")
    assert plain(full) == "the disk is full (free space on it): /data/kiosk.sqlite3"
    assert plain(OSError(errno.EADDRINUSE, "Address already in use")).endswith("in use")


def _failing(error: BaseException):
    def handler(args):
        raise error

    return handler


def _command_failed_from(cause: BaseException, message: str) -> CommandFailed:
    try:
        raise cause
    except BaseException:
        try:
            raise CommandFailed(message) from None  # as the commands raise it
        except CommandFailed as failed:
            return failed


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CommandFailed(""), "kiosk simulate: failed, without a reason (please report this)"),
        (_command_failed_from(TimeoutError(), "kiosk simulate residents: "), "timed out"),
        (OSError(errno.ENOSPC, "No space left on device"), "kiosk simulate: the disk is full"),
        (sqlite3.OperationalError("database or disk is full"), "database or disk is full"),
        (TimeoutError(), "kiosk simulate: timed out"),
    ],
    ids=["empty", "empty-cause", "enospc", "sqlite-full", "bare-timeout"],
)
def test_main_prints_one_plain_line_for_every_failure(monkeypatch, capsys, error, expected):
    monkeypatch.setattr(simulate_cli, "_residents", _failing(error))
    assert cli_main.main(["simulate", "residents", "3"]) == 2
    printed = capsys.readouterr().err
    assert printed.strip() and expected in printed
    assert len(printed.strip().splitlines()) == 1 and not printed.rstrip().endswith(":")


class BusyPrinter:
    """wait_for_devices as Services has it: TimeoutError while receipts are still queued."""

    def __init__(self, printed, receipts_per_wait: list[int]) -> None:
        self.printed = printed
        self.receipts_per_wait = receipts_per_wait

    def wait_for_devices(self, timeout_s: float) -> None:
        finished = self.receipts_per_wait.pop(0)
        for _ in range(finished):
            self.printed.add()
        if self.receipts_per_wait:
            raise TimeoutError


def test_simulate_waits_for_a_printer_that_keeps_printing():
    printed = simulate_cli._Counter()
    printer = BusyPrinter(printed, [40, 40, 40, 7])  # a backlog longer than one deadline
    simulate_cli._wait_for_receipts(printer, printed)
    assert printed.value == 127 and printer.receipts_per_wait == []


def test_simulate_gives_up_on_a_stalled_printer_in_words():
    printed = simulate_cli._Counter()
    with pytest.raises(CommandFailed) as caught:
        simulate_cli._wait_for_receipts(BusyPrinter(printed, [5, 0, 1]), printed)
    assert "finished no receipt in 30 s" in str(caught.value)
    assert "every application is saved" in str(caught.value)


def test_a_full_database_stops_simulate_with_a_plain_message(settings, kiosk_paths, capsys):
    from kiosk.cli.local_backend import build_services

    services = build_services(settings, kiosk_paths)
    try:
        pages = services.store.db.execute("PRAGMA page_count").fetchone()[0]
        services.store.db.execute(f"PRAGMA max_page_count = {pages + 4}")
        args = argparse.Namespace(
            count=500,
            procedure=None,
            residents=None,
            seed=1,
            no_sync=True,
            practice=False,
            abandon_rate=0.0,
        )
        with pytest.raises(CommandFailed) as caught:
            simulate_cli._simulate(args, settings, services)
    finally:
        services.close()
    message = str(caught.value)
    shown = capsys.readouterr().out.splitlines()
    assert message.startswith(f"kiosk simulate residents: stopped after {len(shown)} ")
    assert "full" in message and len(shown) < 500


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_a_full_disk_during_simulate_is_one_line_and_a_non_zero_exit(tmp_path, key_pair):
    """The disk fills up under the kiosk (every file may grow to FILE_SIZE_LIMIT only, as a
    full disk would allow): a plain line, status 2, and every number printed is saved."""
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "simulate", "residents", "300", "--no-sync"],
        env={
            "KIOSK_HOME": str(home),
            "KIOSK_SEAL_PUBLIC_KEY": str(key_pair[1]),
            "KIOSK_PRINTER": "sim",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    shown = [row.split() for row in done.stdout.splitlines()]
    assert 0 < len(shown) < 300
    assert line.startswith(f"kiosk simulate residents: stopped after {len(shown)} applications")
    store = KioskStore(Path(home) / "data" / "kiosk.sqlite3")
    try:
        for number, application_id in shown:
            assert store.application(application_id)["reception_number"] == number
    finally:
        store.close()


def run_kiosk(home: Path, key: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        env={
            "KIOSK_HOME": str(home),
            "KIOSK_SEAL_PUBLIC_KEY": str(key),
            "KIOSK_BACKEND_URL": "http://127.0.0.1:9",  # nothing listens: status stays local
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{ not json", "not a residents file"),
        ('{"residents": [["a list, not a person"]]}', "expected"),
        ('{"residents": []}', "no residents"),
    ],
    ids=["missing", "not-json", "wrong-shape", "empty"],
)
def test_a_residents_file_that_cannot_be_used_is_one_plain_line(
    tmp_path, key_pair, content, expected
):
    residents = tmp_path / "residents.json"
    if content is not None:
        residents.write_text(content, encoding="utf-8")
    command = ("simulate", "residents", "2", "--no-sync", "--residents", str(residents))
    done = run_kiosk(tmp_path / "home", key_pair[1], *command)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("kiosk simulate residents: ") and expected in line
    assert done.stdout == ""


def test_sync_status_never_sends_a_control_character_to_the_terminal(tmp_path, key_pair):
    home = tmp_path / "home"
    store = KioskStore(home / "data" / "kiosk.sqlite3")
    store.set_sync_state(last_error="HTTP 500: \x1b[2J\x1b]0;owned\x07", catalog_error="a\rb")
    store.close()
    done = run_kiosk(home, key_pair[1], "sync", "status")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\r" not in done.stdout
    assert "\\x1b[2J" in done.stdout and "a\\rb" in done.stdout
