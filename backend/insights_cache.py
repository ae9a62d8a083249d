"""The usage figures of a span, kept between requests and kept up to date as events arrive.

Counting a year of a busy municipality's events (a million rows) takes a few hundred
milliseconds however the database is indexed; most of it is the per-procedure and per-page
tally (backend/insights.py), which only ever grows: a stored event is never changed. So each
span's tally is counted once and then grown by the rows the usage endpoint stores
(backend/usage_api.py calls stored()), exactly as a recount would find them. The sessions'
part, whose rows are settled again as a session's events arrive, is counted afresh whenever
events arrived; it is the smaller count.

Whether kept figures still hold is read from the database, not assumed: usage_stats.stored
(migration 16) counts every event ever stored, raised in each store's transaction. Figures
are kept with the total they saw; a store reported here moves that total on with its rows;
any other difference (another worker process, a test, a tool writing directly) means
counting afresh. So kept figures never miss an event, whoever stored it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from backend import insights
from backend.insights import Period, Sessions
from backend.usage_store import Stored, stored_total

MAX_SPANS = 8  # each is a few hundred kilobytes at most


@dataclass
class _Span:
    period: Period
    tally: dict[tuple, int]
    seen: int  # the stored total the tally holds
    sessions: Sessions | None = None
    sessions_seen: int = -1  # the stored total the sessions part was counted at
    shown: dict | None = None  # the assembled figures, for sessions_seen == seen


class FiguresCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, _Span] = OrderedDict()

    def stored(self, stored: Stored) -> None:
        """A store through this process ended: its rows grow the tallies that were current
        just before it; a tally further behind (another process stored meanwhile) is let go."""
        if not stored.rows:
            return
        before = stored.total - len(stored.rows)
        with self._lock:
            for key, span in list(self._kept.items()):
                if span.seen >= stored.total:
                    continue  # counted after this store was written: it is in there
                if span.seen != before:
                    del self._kept[key]  # rows it never saw: counted afresh when asked
                    continue
                for tallied, count in insights.tally_rows(stored.rows, span.period).items():
                    span.tally[tallied] = span.tally.get(tallied, 0) + count
                span.seen = stored.total

    def figures(
        self, key: Hashable, engine: Engine, period: Period, paper: Mapping[str, float]
    ) -> dict:
        """The figures of period (insights.figures), exact, from what is kept where it
        still holds. Callers must not change what they get: the next may get the same."""
        with engine.connect() as connection:
            total = stored_total(connection)
            with self._lock:
                span = self._kept.get(key)
                if span is not None and span.seen != total:
                    span = None  # events arrived that this process did not add
                if span is not None and span.sessions_seen == total and span.shown is not None:
                    self._kept.move_to_end(key)
                    return span.shown
                tally = dict(span.tally) if span is not None else None
            if tally is None:
                tally = insights.count_tally(connection, period)
            sessions = insights.count_sessions(connection, period)
            after = stored_total(connection)
        shown = insights.assemble(period, tally, sessions, paper)
        if after == total:  # nothing was stored while counting: both parts are of `total`
            with self._lock:
                kept = self._kept.get(key)
                if kept is None or kept.seen != total:
                    kept = self._kept[key] = _Span(period, tally, total)
                kept.sessions, kept.sessions_seen, kept.shown = sessions, total, shown
                self._kept.move_to_end(key)
                while len(self._kept) > MAX_SPANS:
                    self._kept.popitem(last=False)
        return shown
