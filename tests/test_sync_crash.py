"""Crash: the kiosk process killed with SIGKILL at random points while residents finalize and
the sync worker sends, a hundred times over. Every application whose reception number was
shown (printed by `kiosk simulate residents` after its commit) survives, the database passes
integrity_check after every kill, and after a final sync each is on the backend exactly once.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.sync_support import kiosk_environment

KILLS = 100
LINE_DEADLINE_S = 60.0
POLL_S = 0.02
SIMULATE = [sys.executable, "-m", "kiosk", "simulate", "residents", "500"]


def _shown_before_kill(
    process: subprocess.Popen, ready: Callable[[list[str]], bool], extra_s: float
) -> list:
    """Wait until `ready(shown lines)`, then `extra_s` more; kill; return every line shown."""
    shown: list[str] = []
    buffer = b""
    end = time.monotonic() + LINE_DEADLINE_S
    kill_at = None
    while True:
        now = time.monotonic()
        if kill_at is None and ready(shown):
            kill_at = now + extra_s
        if kill_at is not None and now >= kill_at:
            break
        assert now < end, f"no reception number within {LINE_DEADLINE_S} s"
        # Until armed, look at `ready` again every POLL_S (it may watch the backend).
        wait = (kill_at - now) if kill_at is not None else POLL_S
        readable, _, _ = select.select([process.stdout], [], [], max(wait, 0))
        if readable:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break  # it finished on its own before the kill
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            shown += [line.decode() for line in complete if line]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Whatever it printed before dying was shown too.
    rest = buffer + process.stdout.read()
    shown += [line.decode() for line in rest.split(b"\n") if line]
    process.stdout.close()
    return [tuple(line.split()) for line in shown]


@pytest.mark.slow
def test_applications_shown_before_a_sigkill_survive_and_arrive_exactly_once(
    live_backend, tmp_path
):
    home = tmp_path / "kiosk-home"
    # Many small sends, so kills land in the middle of syncing.
    environ = kiosk_environment(live_backend, home, sync_batch="3")
    database = home / "data" / "kiosk.sqlite3"
    rng = random.Random(20261127)
    shown: dict[str, str] = {}
    for round_number in range(KILLS):
        process = subprocess.Popen(
            [*SIMULATE, "--seed", str(round_number)],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        if round_number % 3 == 0:
            # Right after the backend took a batch: inside the kiosk's acknowledgement or the
            # next send.
            before = len(live_backend.received_ids())

            def ready(_lines, before=before):
                return len(live_backend.received_ids()) > before
        else:
            # After 0 to 4 applications: inside a finalize, a print, a sync round or between.
            wanted = rng.randint(0, 4)

            def ready(lines, wanted=wanted):
                return len(lines) >= wanted

        printed = _shown_before_kill(process, ready, rng.uniform(0, 0.04))
        for number, application_id in printed:
            shown[application_id] = number
        if not database.exists():  # killed while starting, before the store was created
            assert not shown
            continue
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = dict(connection.execute("SELECT id, reception_number FROM applications"))
        lost = {i: n for i, n in shown.items() if stored.get(i) != n}
        assert not lost, f"round {round_number}: shown but not stored: {lost}"

    # A third of the kills came while the worker was sending: part of the queue arrived.
    assert len(live_backend.received_ids()) >= KILLS // 3
    drained = subprocess.run(
        [sys.executable, "-m", "kiosk", "sync", "now"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert drained.returncode == 0, drained.stderr
    with sqlite3.connect(database) as connection:
        kiosk_ids = {row[0] for row in connection.execute("SELECT id FROM applications")}
        numbers = [
            row[0] for row in connection.execute("SELECT reception_number FROM applications")
        ]
    received = live_backend.received_ids()
    assert len(shown) >= KILLS  # the kills really landed among finalized applications
    assert len(received) == len(set(received))
    assert set(received) == kiosk_ids >= set(shown)
    assert len(numbers) == len(set(numbers))  # no reception number given twice in a day
