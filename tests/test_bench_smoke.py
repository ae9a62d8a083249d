"""The usage benchmarks' set-up at a tiny size, so a broken bench is caught by the suite and
not by the next full `kiosk bench`: the generated events are what the backend would keep
(their sessions' outcome as backend/usage_store.py settles it), the bulk load works on SQLite
and PostgreSQL, and each benchmark runs end to end and returns its Result."""

from __future__ import annotations

from sqlalchemy import text

from backend import db
from backend.insights import Period, figures
from backend.migrations import SETTLE_SESSIONS
from bench import ui_bench, usage_bench
from core.usage_wire import UsageKind
from tests.postgres import backend_database, postgres_server  # noqa: F401

TINY = 1_000


def test_the_generated_events_are_whole_sessions_the_backend_would_keep(
    backend_database,  # noqa: F811
):
    assert usage_bench.fill(backend_database, TINY) == TINY
    engine = db.connect(backend_database)
    try:
        loaded = figures(engine, Period())
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM usage_events")).scalar_one()
            kinds = {row[0] for row in connection.execute(text("SELECT kind FROM usage_events"))}
        with engine.begin() as connection:
            connection.execute(text(SETTLE_SESSIONS))  # as the store settles them
        settled = figures(engine, Period())
    finally:
        engine.dispose()
    assert count == TINY
    assert settled == loaded  # the bulk load's sessions are what the store makes
    assert {UsageKind.PROCEDURE_FINISHED, UsageKind.PROCEDURE_ABANDONED} <= kinds
    assert loaded["sessions"] > 0 and loaded["procedures"]
    assert sum(row["sessions"] for row in loaded["languages"]) == loaded["sessions"]


def test_the_insights_bench_runs_end_to_end_at_a_tiny_size():
    result = usage_bench.bench_usage_insights("sqlite", count=TINY, rounds=2)
    assert result.project > 0 and result.baseline > 0
    assert f"{TINY:,} events" in result.name


def test_the_tap_overhead_bench_runs_end_to_end_at_a_tiny_size():
    result = ui_bench.bench_usage_overhead(1, transitions=6)
    assert result.project > 0 and result.baseline > 0
    assert "usage recorder" in result.name


def test_the_name_candidates_bench_runs_end_to_end():
    from bench import name_bench

    result = name_bench.bench_name_candidates(3)
    assert result.project > 0 and result.baseline > 0
    assert result.name.startswith("name-candidates")
    assert "230," in result.note or "spellings" in result.note


def test_the_preentry_benches_walk_every_procedure_with_its_groups():
    """The phone form's benches walk every shipped procedure, a household of four in each
    group (a walk that looked a member's page up by the group's answer broke them once)."""
    from bench import preentry_bench

    weight = preentry_bench.bench_preentry_page_weight(1)
    assert weight.project > 0 and "over" in weight.note
    payload = preentry_bench.bench_preentry_qr_payload(1)
    assert payload.passed, payload.note  # long answers for one; a household of four
    assert "a household of 4" in payload.note
