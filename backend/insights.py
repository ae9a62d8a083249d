"""Where residents struggle, in figures: the usage events (backend/usage_store.py) counted per
procedure, per page, by language and text size, by kiosk, weekday and hour.

Exact counts for the backend host's administrator (`kiosk backend insights --json`); the
console page for supervisors (backend/console/insights_page.py) shows them through
for_console(), which leaves out every cell of fewer than MIN_SESSIONS sessions. Practice
sessions (スマホ教室) are counted apart and in nothing else.

Every count is one GROUP BY in the database. Page times are read as a histogram (seconds are
whole numbers up to an hour), so median and 90th percentile are exact without reading each
event: nearest rank, the smallest time that at least half (nine tenths) of the showings took
no longer than.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, func, select

from backend.usage_store import usage_events as events
from core.usage_wire import UsageKind

MIN_SESSIONS = 5


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None


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


def _where(period: Period, practice: bool = False):
    conditions = [events.c.practice == int(practice)]
    if period.since is not None:
        conditions.append(events.c.session_hour >= period.since)
    if period.until is not None:
        conditions.append(events.c.session_hour < period.until)
    return and_(*conditions)


def _count_by(connection, kind: UsageKind, period: Period, *columns) -> dict[tuple, int]:
    query = (
        select(*columns, func.count())
        .where(_where(period), events.c.kind == kind.value)
        .group_by(*columns)
    )
    return {tuple(row[:-1]): row[-1] for row in connection.execute(query)}


def figures(engine: Engine, period: Period) -> dict:
    """Every figure for the period, exact, as `kiosk backend insights --json` prints it."""
    with engine.connect() as connection:
        procedure, page = events.c.procedure_id, events.c.page_id
        started = _count_by(connection, UsageKind.PROCEDURE_STARTED, period, procedure)
        finished = _count_by(connection, UsageKind.PROCEDURE_FINISHED, period, procedure)
        abandoned = _count_by(connection, UsageKind.PROCEDURE_ABANDONED, period, procedure)
        shown = _count_by(connection, UsageKind.PAGE_SHOWN, period, procedure, page)
        lost = _count_by(connection, UsageKind.PROCEDURE_ABANDONED, period, procedure, page)
        refused = _count_by(
            connection, UsageKind.VALIDATION_REFUSED, period, procedure, page, events.c.detail
        )
        calls = _count_by(connection, UsageKind.STAFF_CALLED, period, procedure, page)
        times = _count_by(
            connection, UsageKind.PAGE_SHOWN, period, procedure, page, events.c.seconds
        )
        sessions = _sessions(connection, period)
        practice = connection.execute(
            select(func.count()).where(
                _where(period, practice=True), events.c.kind == UsageKind.SESSION_STARTED.value
            )
        ).scalar_one()
    return {
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
        "sessions": sum(counts["sessions"] for counts in sessions["kiosks"].values()),
        "practice_sessions": practice,
        "procedures": _procedures(started, finished, abandoned, shown, lost, refused, calls, times),
        "languages": _rows(sessions["languages"]),
        "text_sizes": _rows(sessions["text_sizes"]),
        "kiosks": _rows(sessions["kiosks"]),
        "weekdays": _rows(sessions["weekdays"], key="weekday"),
        "hours": _rows(sessions["hours"], key="hour"),
    }


def _sessions(connection, period: Period) -> dict[str, dict]:
    """Sessions and finished applications by what the session started with (language, text
    size), by kiosk, and by the kiosk's weekday and hour."""
    start = events.alias("start")
    finish = events.alias("finish")
    finished_per_session = (
        select(finish.c.kiosk_id, finish.c.session_key, func.count().label("finished"))
        .where(finish.c.kind == UsageKind.PROCEDURE_FINISHED.value)
        .group_by(finish.c.kiosk_id, finish.c.session_key)
        .subquery()
    )
    dimensions = {
        "languages": start.c.language,
        "text_sizes": start.c.text_size,
        "kiosks": start.c.kiosk_id,
        "weekdays": start.c.local_weekday,
        "hours": start.c.local_hour,
    }
    found: dict[str, dict] = {}
    where = [start.c.kind == UsageKind.SESSION_STARTED.value, start.c.practice == 0]
    if period.since is not None:
        where.append(start.c.session_hour >= period.since)
    if period.until is not None:
        where.append(start.c.session_hour < period.until)
    for name, column in dimensions.items():
        query = (
            select(
                column,
                func.count(),
                func.coalesce(func.sum(finished_per_session.c.finished), 0),
            )
            .select_from(
                start.outerjoin(
                    finished_per_session,
                    and_(
                        finished_per_session.c.kiosk_id == start.c.kiosk_id,
                        finished_per_session.c.session_key == start.c.session_key,
                    ),
                )
            )
            .where(*where)
            .group_by(column)
        )
        found[name] = {
            value: {"sessions": count, "finished": int(done)}
            for value, count, done in connection.execute(query)
        }
    return found


def _rows(by_value: dict, key: str = "id") -> list[dict]:
    return [{key: value, **counts} for value, counts in sorted(by_value.items(), key=_order)]


def _order(item: tuple) -> tuple:
    value = item[0]
    return (value is None, str(value) if not isinstance(value, int) else f"{value:04d}")


def _procedures(started, finished, abandoned, shown, lost, refused, calls, times) -> list[dict]:
    pages: dict[str, set[str]] = defaultdict(set)
    for source in (shown, lost, calls):
        for procedure, page, *_ in source:
            if procedure is not None and page is not None:
                pages[procedure].add(page)
    for procedure, page, _rule in refused:
        pages[procedure].add(page)
    histograms: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for (procedure, page, seconds), count in times.items():
        histograms[(procedure, page)][seconds] = count
    rules: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (procedure, page, rule), count in refused.items():
        rules[(procedure, page)][rule] = count
    ids = sorted({key[0] for key in started} | set(pages))
    procedures = []
    for procedure in ids:
        count = started.get((procedure,), 0)
        done = finished.get((procedure,), 0)
        page_rows = [
            {
                "id": page,
                "shown": shown.get((procedure, page), 0),
                "abandoned": lost.get((procedure, page), 0),
                "median_s": percentile(histograms[(procedure, page)], 0.5),
                "p90_s": percentile(histograms[(procedure, page)], 0.9),
                "refused": sum(rules[(procedure, page)].values()),
                "refusals": dict(sorted(rules[(procedure, page)].items())),
                "staff_calls": calls.get((procedure, page), 0),
            }
            for page in pages[procedure]
        ]
        # The first page is shown most often: that order follows the flow closely enough.
        page_rows.sort(key=lambda row: (-row["shown"], row["id"]))
        procedures.append(
            {
                "id": procedure,
                "started": count,
                "finished": done,
                "abandoned": abandoned.get((procedure,), 0),
                "completion_rate": round(done / count, 3) if count else None,
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
        procedures.append({**procedure, "pages": pages})
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
