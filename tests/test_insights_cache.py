"""The console's usage figures kept between requests (backend/insights_cache.py): a span's
tally counted once and grown by each batch stored through the endpoint exactly as a recount
would find it; events stored any other way (another process) seen at once, by counting
afresh."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from backend import db, insights, usage_store
from backend.insights import Period
from backend.insights_cache import MAX_SPANS, FiguresCache
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.test_usage_console import _session


@pytest.fixture
def engine(backend_database):  # noqa: F811
    made = db.connect(backend_database)
    yield made
    made.dispose()


@pytest.fixture
def tallies(monkeypatch):
    """The periods the big count ran for."""
    counted = []
    original = insights.count_tally

    def counting(connection, period):
        counted.append(period)
        return original(connection, period)

    monkeypatch.setattr(insights, "count_tally", counting)
    return counted


def _today() -> Period:
    start = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return Period(start, start + timedelta(days=1))


def _send(cache: FiguresCache, engine, events, kiosk: str = "kiosk-01") -> None:
    """What the usage endpoint does: store, then tell the kept figures."""
    cache.stored(usage_store.store_new(engine, kiosk, events))


def test_kept_figures_grow_with_each_batch_exactly_as_a_recount(engine, tallies):
    cache, today, everything = FiguresCache(), _today(), Period()
    _send(cache, engine, _session("juminhyo", "ja", None) + _session("tenkyo", "en", "kana"))
    for period in (today, everything):
        assert cache.figures(period, engine, period, {}) == insights.figures(engine, period)
    counted = len(tallies)
    batches = [
        _session("juminhyo", "ja", "copies"),
        _session("juminhyo", "vi", None) + _session("tenkyo", "ja", None),
        _session("tenkyo", "ja", "kana"),
    ]
    for batch in batches:
        _send(cache, engine, batch)
        _send(cache, engine, batch)  # the same batch again: nothing new, nothing added
        for period in (today, everything):
            kept = cache.figures(period, engine, period, {"juminhyo": 12.0})
            assert kept == insights.figures(engine, period, {"juminhyo": 12.0})
            assert cache.figures(period, engine, period, {"juminhyo": 12.0}) is kept
    assert len(tallies) == counted + 2 * len(batches)  # the recounts above, none by the cache
    juminhyo = next(p for p in kept["procedures"] if p["id"] == "juminhyo")
    assert (juminhyo["started"], juminhyo["finished"], juminhyo["abandoned"]) == (3, 2, 1)


def test_events_stored_another_way_are_seen_at_once(engine, tallies):
    cache, today = FiguresCache(), _today()
    before = cache.figures("today", engine, today, {})
    usage_store.store(engine, "kiosk-02", _session("juminhyo", "ja", None))  # not through it
    after = cache.figures("today", engine, today, {})
    assert after["sessions"] == before["sessions"] + 1 and len(tallies) == 2
    assert after == insights.figures(engine, today)


def test_a_batch_stored_before_a_recount_is_not_added_twice(engine, tallies):
    cache, today = FiguresCache(), _today()
    cache.figures("today", engine, today, {})
    stored = usage_store.store_new(engine, "kiosk-01", _session("juminhyo", "ja", None))
    recounted = cache.figures("today", engine, today, {})  # before the endpoint reports it
    cache.stored(stored)  # reported after: already counted, not added again
    assert cache.figures("today", engine, today, {}) == recounted == insights.figures(engine, today)


def test_only_the_latest_spans_are_kept(engine, tallies):
    cache, today = FiguresCache(), _today()
    for number in range(MAX_SPANS + 1):
        cache.figures(number, engine, today, {})
    cache.figures(MAX_SPANS, engine, today, {})  # the newest: kept
    cache.figures(0, engine, today, {})  # the oldest: let go, counted again
    assert len(tallies) == MAX_SPANS + 2
