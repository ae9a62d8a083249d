"""Where residents struggle, in figures: the usage events (backend/usage_store.py) counted per
procedure, per page, by language and text size, by kiosk, weekday and hour.

Exact counts for the backend host's administrator (`kiosk backend insights --json`); the
console page for supervisors (backend/console/insights_page.py) shows them through
for_console(), which leaves out every cell of fewer than MIN_SESSIONS sessions. Practice
sessions (スマホ教室) are counted apart and in nothing else.

A resident sent on to the procedure that fits an address outside the city (転居 → 転入) is
counted as redirected, not abandoned, and the completion rate leaves them out. Sessions count
by the language and text size they ended in. Minutes per application (the session's start
to the finalize) stand beside the municipality's figure for the paper form.

Two GROUP BYs in the database, each one index scan (migration 13): the per-procedure and
per-page counts, and the sessions (their session_started rows carry how they ended up).
Times are read as a histogram (seconds are whole numbers up to an hour), so median and 90th
percentile are exact without reading each event: nearest rank, the smallest time that at
least half (nine tenths) of the showings took no longer than.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, literal, literal_column, select

from backend.db import UtcTimestamp
from backend.usage_store import usage_events as events
from core.usage_wire import UsageKind

MIN_SESSIONS = 5


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None

    def holds(self, hour: datetime) -> bool:
        """Whether a session of this hour is in the period (as _in_period counts)."""
        return (self.since is None or hour >= self.since) and (
            self.until is None or hour < self.until
        )


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """Nearest rank over {seconds: how many}: the smallest value with at least `share` of
    all at or below it; None without any."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")


def _in_period(period: Period, practice: bool = False, hour=events.c.session_hour) -> list:
    """The conditions of a period's events (practice sessions only when asked); hour: the
    column compared, or an expression of it (see _tally)."""
    conditions = [events.c.practice == int(practice)]
    if period.since is not None:
        conditions.append(hour >= period.since)
    if period.until is not None:
        conditions.append(hour < period.until)
    return conditions


# The events every per-procedure and per-page figure is counted from, in one pass.
TALLIED = (
    UsageKind.PROCEDURE_STARTED,
    UsageKind.PROCEDURE_FINISHED,
    UsageKind.PROCEDURE_ABANDONED,
    UsageKind.PROCEDURE_REDIRECTED,
    UsageKind.PAGE_SHOWN,
    UsageKind.VALIDATION_REFUSED,
    UsageKind.STAFF_CALLED,
)


# Up to this span the period's own index (migration 16) is read; over it, the whole tally
# index in its order. SQLite's planner, even with ANALYZE, took the period's index for a
# year too (1.2 s instead of 0.33 s over a million events), so on SQLite a longer span's
# time is compared as +session_hour: an expression, which no index serves.
SHORT_SPAN = timedelta(days=62)
_HOUR_UNINDEXED = literal_column("+usage_events.session_hour", UtcTimestamp)


def _short(period: Period) -> bool:
    return (
        period.since is not None
        and period.until is not None
        and period.until - period.since <= SHORT_SPAN
    )


def _tally(connection, period: Period) -> dict[tuple, int]:
    """{(kind, procedure, page, detail, seconds): how many}: one GROUP BY for all of them."""
    columns = (
        events.c.kind,
        events.c.procedure_id,
        events.c.page_id,
        events.c.detail,
        events.c.seconds,
    )
    hour = events.c.session_hour
    if connection.dialect.name == "sqlite" and not _short(period):
        hour = _HOUR_UNINDEXED
    conditions = [*_in_period(period, hour=hour), events.c.kind.in_([k.value for k in TALLIED])]
    query = select(*columns, func.count()).where(*conditions).group_by(*columns)
    return {tuple(row[:-1]): row[-1] for row in connection.execute(query)}


@dataclass(frozen=True)
class Sessions:
    """What the sessions' rows say: by language, text size, kiosk, weekday and hour (each
    {value: {sessions, finished[, switched]}}), and how many practice sessions."""

    by: dict[str, dict]
    practice: int


def count_sessions(connection, period: Period) -> Sessions:
    practice = connection.execute(
        select(func.count()).where(
            *_in_period(period, practice=True),
            events.c.kind == UsageKind.SESSION_STARTED.value,
        )
    ).scalar_one()
    return Sessions(_sessions(connection, period), practice)


def count_tally(connection, period: Period) -> dict[tuple, int]:
    """The per-procedure and per-page counts' one GROUP BY (see tally_rows)."""
    return _tally(connection, period)


def tally_rows(rows: Iterable[Mapping], period: Period) -> dict[tuple, int]:
    """What count_tally would add for these newly stored rows (backend/usage_store.py's row
    dicts): the same keys, from the same rows, so kept figures grow exactly as a recount."""
    counted: dict[tuple, int] = {}
    wanted = {kind.value for kind in TALLIED}
    for row in rows:
        hour = row["session_hour"]
        if row["practice"] or row["kind"] not in wanted:
            continue
        if not period.holds(hour):
            continue
        key = (row["kind"], row["procedure_id"], row["page_id"], row["detail"], row["seconds"])
        counted[key] = counted.get(key, 0) + 1
    return counted


def assemble(
    period: Period,
    tally: Mapping[tuple, int],
    sessions: Sessions,
    paper_minutes: Mapping[str, float] | None = None,
) -> dict:
    """The figures as `kiosk backend insights --json` prints them, from their two counts."""
    by = sessions.by
    return {
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
        "sessions": sum(counts["sessions"] for counts in by["kiosks"].values()),
        "practice_sessions": sessions.practice,
        "procedures": _procedures(tally, paper_minutes or {}),
        "languages": _rows(by["languages"]),
        "text_sizes": _rows(by["text_sizes"]),
        "kiosks": _rows(by["kiosks"]),
        "weekdays": _rows(by["weekdays"], key="weekday"),
        "hours": _rows(by["hours"], key="hour"),
    }


def figures(
    engine: Engine, period: Period, paper_minutes: Mapping[str, float] | None = None
) -> dict:
    """Every figure for the period, exact, as `kiosk backend insights --json` prints it;
    paper_minutes: the municipality's figure per procedure for its paper form."""
    with engine.connect() as connection:
        tally = count_tally(connection, period)
        sessions = count_sessions(connection, period)
    return assemble(period, tally, sessions, paper_minutes)


def _sessions(connection, period: Period) -> dict[str, dict]:
    """Sessions and finished applications by the language and text size each session ended
    in (a resident who switched to English mid-session needed English; `switched` counts
    them), by kiosk, and by the kiosk's weekday and hour. One scan of the session_started
    rows, which carry how their session ended up (backend/usage_store.py), summed here."""
    start = events
    # Written out (not a parameter), so that the partial index of those rows is taken.
    started_rows = start.c.kind == literal(UsageKind.SESSION_STARTED.value, literal_execute=True)
    columns = (
        start.c.kiosk_id,
        start.c.local_weekday,
        start.c.local_hour,
        start.c.language,
        start.c.text_size,
        func.coalesce(start.c.final_language, start.c.language),
        func.coalesce(start.c.final_text_size, start.c.text_size),
    )
    query = (
        select(*columns, func.count(), func.coalesce(func.sum(start.c.finished), 0))
        .where(started_rows, *_in_period(period))
        .group_by(*columns)
    )
    found: dict[str, dict] = {
        name: {} for name in ("languages", "text_sizes", "kiosks", "weekdays", "hours")
    }
    for (
        kiosk,
        weekday,
        hour,
        first_language,
        first_size,
        language,
        size,
        count,
        done,
    ) in connection.execute(query):
        for name, value, switched in (
            ("languages", language, first_language != language),
            ("text_sizes", size, first_size != size),
            ("kiosks", kiosk, None),
            ("weekdays", weekday, None),
            ("hours", hour, None),
        ):
            cell = found[name].setdefault(value, {"sessions": 0, "finished": 0})
            cell["sessions"] += count
            cell["finished"] += int(done)
            if switched is not None:
                cell["switched"] = cell.get("switched", 0) + (count if switched else 0)
    return found


def _rows(by_value: dict, key: str = "id") -> list[dict]:
    return [{key: value, **counts} for value, counts in sorted(by_value.items(), key=_order)]


def _order(item: tuple) -> tuple:
    value = item[0]
    return (value is None, str(value) if not isinstance(value, int) else f"{value:04d}")


@dataclass
class _PageTally:
    shown: int = 0
    abandoned: int = 0
    redirected: int = 0
    staff_calls: int = 0
    times: dict[int, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)

    def row(self, page: str) -> dict:
        return {
            "id": page,
            "shown": self.shown,
            "abandoned": self.abandoned,
            "redirected": self.redirected,
            "median_s": percentile(self.times, 0.5),
            "p90_s": percentile(self.times, 0.9),
            "refused": sum(self.refusals.values()),
            "refusals": dict(sorted(self.refusals.items())),
            "staff_calls": self.staff_calls,
        }


def _add(counts: dict, key, how_many: int) -> None:
    counts[key] = counts.get(key, 0) + how_many


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _procedures(tally: Mapping[tuple, int], paper: Mapping[str, float]) -> list[dict]:
    kinds: dict[str, dict[str, int]] = defaultdict(dict)
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    redirected_to: dict[str, dict[str, int]] = defaultdict(dict)
    pages: dict[str, dict[str, _PageTally]] = defaultdict(lambda: defaultdict(_PageTally))
    for (kind, procedure, page, detail, seconds), count in tally.items():
        if procedure is None:
            continue  # a staff call outside any procedure (the menu)
        _add(kinds[procedure], kind, count)
        if kind == UsageKind.PROCEDURE_FINISHED and seconds is not None:
            _add(durations[procedure], seconds, count)
        elif kind == UsageKind.PROCEDURE_REDIRECTED and detail is not None:
            _add(redirected_to[procedure], detail, count)
        if page is None or kind in (UsageKind.PROCEDURE_STARTED, UsageKind.PROCEDURE_FINISHED):
            continue
        on = pages[procedure][page]
        if kind == UsageKind.PAGE_SHOWN:
            on.shown += count
            if seconds is not None:
                _add(on.times, seconds, count)
        elif kind == UsageKind.PROCEDURE_ABANDONED:
            on.abandoned += count
        elif kind == UsageKind.PROCEDURE_REDIRECTED:
            on.redirected += count
        elif kind == UsageKind.VALIDATION_REFUSED:
            _add(on.refusals, detail, count)
        elif kind == UsageKind.STAFF_CALLED:
            on.staff_calls += count
    procedures = []
    for procedure in sorted(kinds):
        counted = kinds[procedure]
        started = counted.get(UsageKind.PROCEDURE_STARTED, 0)
        done = counted.get(UsageKind.PROCEDURE_FINISHED, 0)
        redirected = counted.get(UsageKind.PROCEDURE_REDIRECTED, 0)
        page_rows = [tallied.row(page) for page, tallied in pages[procedure].items()]
        # The first page is shown most often: that order follows the flow closely enough.
        page_rows.sort(key=lambda row: (-row["shown"], row["id"]))
        # Residents sent on to the procedure that fits their address did not give this one
        # up: the rate is of those for whom it was the right one.
        meant = started - redirected
        procedures.append(
            {
                "id": procedure,
                "started": started,
                "finished": done,
                "abandoned": counted.get(UsageKind.PROCEDURE_ABANDONED, 0),
                "redirected": redirected,
                "redirected_to": dict(sorted(redirected_to[procedure].items())),
                "completion_rate": round(done / meant, 3) if meant > 0 else None,
                "minutes_median": _minutes(percentile(durations[procedure], 0.5)),
                "minutes_p90": _minutes(percentile(durations[procedure], 0.9)),
                "paper_minutes": paper.get(procedure),
                "pages": page_rows,
            }
        )
    return procedures


def hide_small_cells(rows: Iterable[dict], count_key: str = "sessions") -> list[dict]:
    """Rows of fewer than MIN_SESSIONS sessions left out."""
    return [row for row in rows if row.get(count_key, 0) >= MIN_SESSIONS]


def for_console(found: dict) -> dict:
    """The figures as the console and its downloads show them: a cell is a group of sessions
    (a procedure's, a page's, a language's, a kiosk's, an hour's …), and a group of fewer
    than MIN_SESSIONS is left out whole, with its times and its share of the totals, so that
    no figure stands for one or two residents. `hidden` says how many groups were left out."""
    procedures, hidden = [], 0
    for procedure in found["procedures"]:
        if procedure["started"] < MIN_SESSIONS:
            hidden += 1
            continue
        pages = hide_small_cells(procedure["pages"], "shown")
        hidden += len(procedure["pages"]) - len(pages)
        shown_procedure = {**procedure, "pages": pages}
        if procedure["finished"] < MIN_SESSIONS:  # its minutes would stand for a few residents
            shown_procedure |= {"minutes_median": None, "minutes_p90": None}
        procedures.append(shown_procedure)
    shown: dict = {"procedures": procedures}
    for key in ("languages", "text_sizes", "kiosks", "weekdays", "hours"):
        shown[key] = hide_small_cells(found[key])
        hidden += len(found[key]) - len(shown[key])
    total = found["sessions"] if found["sessions"] >= MIN_SESSIONS else None
    practice = found["practice_sessions"]
    return {
        **found,
        **shown,
        "sessions": total,
        "practice_sessions": practice if practice >= MIN_SESSIONS else None,
        "hidden": hidden,
    }
