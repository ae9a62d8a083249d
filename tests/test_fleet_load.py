"""The fleet load program (bench/fleet_load.py) at a tiny size against a real backend on
SQLite and PostgreSQL: every request answered, and what the kiosks sent is what is stored."""

from __future__ import annotations

import pytest

from backend import db
from backend.paths import BackendPaths
from backend.server import start_in_thread
from bench.fleet_bench import enroll, plan_from_environment, row_counts
from bench.fleet_load import (
    Fleet,
    FleetPlan,
    application_sealer,
    run_fleet,
    single_kiosk_heartbeats,
)
from core.sealing import generate_key_pair, load_public_key
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401

# Five kiosks for three seconds, each far busier than a real one so that every kind of
# request (heartbeats, batches, printer changes, staff calls) happens in so short a run.
TINY = FleetPlan(
    kiosks=5,
    seconds=3.0,
    heartbeat_interval_s=0.5,
    application_interval_s=0.4,
    printer_change_interval_s=0.6,
    staff_call_interval_s=1.0,
    connections=4,
)


def test_a_tiny_fleet_gets_every_request_answered_and_the_counts_add_up(
    tmp_path,
    backend_database,  # noqa: F811
):
    paths = BackendPaths(tmp_path / "backend")
    _, public = generate_key_pair(paths.keys)
    engine = db.connect(backend_database)
    kiosks = enroll(engine, TINY.kiosks)
    backend = start_in_thread(paths, "127.0.0.1", free_port(), database=backend_database)
    assert backend is not None
    try:
        alone = single_kiosk_heartbeats(backend.url, kiosks[0], 5)
        tally = run_fleet(backend.url, kiosks, TINY, application_sealer(load_public_key(public)))
    finally:
        backend.stop()
    assert len(alone) == 5
    assert tally.errors == 0, tally.error_samples
    assert not tally.stopped_by_count
    assert len(tally.latencies["heartbeat"]) == tally.sent["heartbeat"] > TINY.kiosks
    assert len(tally.latencies["batch"]) == tally.sent["batch"] > 0
    assert tally.printer_changes > 0 and tally.staff_calls > 0
    assert tally.applications_created == tally.applications_sent >= tally.sent["batch"]
    rows = row_counts(engine)
    assert rows["applications"] == tally.applications_sent
    assert rows["kiosk_status"] == TINY.kiosks
    assert rows["kiosk_alerts"] == tally.alerts_sent
    # One history row when each kiosk first reported, one per printer change after.
    assert rows["kiosk_state_history"] == tally.states_reported
    assert TINY.kiosks <= tally.states_reported <= TINY.kiosks + tally.printer_changes
    engine.dispose()


def test_the_fleet_load_refuses_any_host_but_this_machine():
    with pytest.raises(ValueError, match="this machine only"):
        Fleet("http://192.0.2.1:8765", [], TINY, {}, lambda kiosk, number: {})


def test_the_request_count_bound_is_finite_and_above_what_the_plan_expects():
    expected = TINY.kiosks * TINY.seconds * (1 / 0.5 + 1 / 0.4 + 1 / 0.6 + 1 / 1.0)
    assert expected < TINY.max_requests < 10 * expected + 200


def test_kiosk_bench_fleet_takes_its_size_from_the_environment():
    plan = plan_from_environment({"MADOGUCHI_FLEET_KIOSKS": "5", "MADOGUCHI_FLEET_SECONDS": "3"})
    assert (plan.kiosks, plan.seconds) == (5, 3.0)
    assert plan.heartbeat_interval_s == 60.0  # the kiosk's default interval, not compressed
    default = plan_from_environment({})
    assert (default.kiosks, default.seconds) == (500, 60.0)


def test_the_load_runs_beside_a_running_event_loop():
    """The suite's browser tests keep Playwright's loop running in the main thread; the load
    program then runs its own on a thread of its own instead of refusing."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bench.fleet_load import _run

    async def answer() -> int:
        return 42

    async def inside_a_loop() -> int:
        return _run(answer())

    # A thread of the test's own runs the loop (this one may already run Playwright's).
    with ThreadPoolExecutor(max_workers=1) as thread:
        assert thread.submit(asyncio.run, inside_a_loop()).result(timeout=30) == 42
    assert _run(answer()) == 42
