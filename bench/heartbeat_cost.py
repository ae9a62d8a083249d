"""What the capped state history costs a heartbeat (backend/kiosk_history.py): the time of
kiosk_health.record on a durable PostgreSQL (fsync on) with the history kept and without it
(its two calls made no-ops), in alternating rounds, median kept; one heartbeat in `change`
changes a device state (a history row, and the prune: the cap is lowered to CAP here).

    .venv/bin/python -m bench.heartbeat_cost [--heartbeats 2000] [--change 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

from backend import db, kiosk_health, kiosk_history
from bench.fleet_load import machine
from core.wire import Heartbeat

ROUNDS = 6
CAP = 5  # lowered from HISTORY_KEPT so that the prune runs at nearly every change


def _beats(count: int, change: int, kiosks: int, start: datetime) -> list[Heartbeat]:
    states = ("ok", "paper_near_end")
    return [
        Heartbeat(
            kiosk_id=f"cost-{number % kiosks:03d}",
            app_version="1.0",
            catalog_version="c1",
            queue_depth=0,
            quarantined=0,
            devices={"printer": states[(number // (change * kiosks)) % 2], "scanner": "ok"},
            sent_at=start + timedelta(milliseconds=number),
        )
        for number in range(count)
    ]


def _per_beat_ms(engine, beats: list[Heartbeat]) -> float:
    started = time.perf_counter()
    for beat in beats:
        kiosk_health.record(engine, beat)
    return (time.perf_counter() - started) / len(beats) * 1000


def main() -> int:
    from backend.local_postgres import running_postgres

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heartbeats", type=int, default=2000)
    parser.add_argument("--change", type=int, default=10)
    args = parser.parse_args()
    kiosks = 50
    start = datetime.now(UTC) - timedelta(days=30)
    kept, without = [], []
    with running_postgres(durable=True) as server:
        engine = db.connect(server.create_database("cost"))
        for round_number in range(ROUNDS):
            beats = _beats(args.heartbeats, args.change, kiosks, start)
            start += timedelta(days=1)
            if round_number % 2:
                with mock.patch.object(kiosk_history, "HISTORY_KEPT", CAP):
                    kept.append(_per_beat_ms(engine, beats))
            else:
                with (
                    mock.patch.object(kiosk_history, "previous_state", lambda *a: None),
                    mock.patch.object(kiosk_history, "note_change", lambda *a: False),
                ):
                    without.append(_per_beat_ms(engine, beats))
        engine.dispose()
    print(f"machine: {machine()}")
    print(
        f"heartbeat record, median of rounds: with history {statistics.median(kept):.3f} ms, "
        f"without {statistics.median(without):.3f} ms ({args.heartbeats} heartbeats a round, "
        f"{kiosks} kiosks, a state change every {args.change} heartbeats of a kiosk, "
        f"history capped at {CAP})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
