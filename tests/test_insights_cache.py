"""The console's usage figures kept between requests (backend/insights_cache.py): the same
span answered from what was counted until new events arrive or a minute has passed."""

from __future__ import annotations

import threading

from backend.insights_cache import MAX_AGE_S, MAX_SPANS, FiguresCache


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counter():
    counted = []

    def count(key):
        def run():
            counted.append(key)
            return {"span": key, "count": len(counted)}

        return run

    return counted, count


def test_a_span_is_counted_once_until_new_events_arrive():
    cache, (counted, count) = FiguresCache(_Clock()), _counter()
    first = cache.get("year", count("year"))
    assert cache.get("year", count("year")) is first and counted == ["year"]
    cache.get("day", count("day"))
    assert counted == ["year", "day"]  # another span is its own count
    cache.changed()
    again = cache.get("year", count("year"))
    assert again is not first and again["count"] == 3


def test_what_another_process_stored_shows_within_max_age():
    clock = _Clock()
    cache, (counted, count) = FiguresCache(clock), _counter()
    cache.get("year", count("year"))
    clock.now += MAX_AGE_S - 1
    cache.get("year", count("year"))
    assert len(counted) == 1
    clock.now += 1
    cache.get("year", count("year"))
    assert len(counted) == 2


def test_figures_counted_while_events_arrived_are_not_kept():
    cache = FiguresCache(_Clock())
    started, arrived = threading.Event(), threading.Event()
    counted = []

    def slow_count():
        counted.append(1)
        started.set()
        arrived.wait(timeout=10)
        return {"stale": True}

    worker = threading.Thread(target=lambda: cache.get("year", slow_count))
    worker.start()
    assert started.wait(timeout=10)
    cache.changed()  # a kiosk's batch stored while the year was being counted
    arrived.set()
    worker.join(timeout=10)
    fresh = cache.get("year", lambda: counted.append(2) or {"stale": False})
    assert fresh == {"stale": False} and counted == [1, 2]


def test_only_the_latest_spans_are_kept():
    cache, (counted, count) = FiguresCache(_Clock()), _counter()
    for number in range(MAX_SPANS + 1):
        cache.get(number, count(number))
    cache.get(MAX_SPANS, count(MAX_SPANS))  # the newest: kept
    cache.get(0, count(0))  # the oldest: let go, counted again
    assert counted == [*range(MAX_SPANS + 1), 0]
