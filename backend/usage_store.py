"""The kiosks' usage events on the backend (migration 12): stored once each, never personal.

The table is declared here rather than in backend/db.py because only the usage endpoint and
the figures (backend/insights.py) touch it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend.db import WRITE, UtcTimestamp, is_postgresql, metadata
from backend.migrations import SETTLE_SESSIONS
from core.usage_wire import UsageEvent, UsageKind

usage_events = Table(
    "usage_events",
    metadata,
    Column("kiosk_id", Text, nullable=False),
    Column("session_key", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("session_hour", UtcTimestamp, nullable=False),  # the session's start, to the hour
    Column("practice", Integer, nullable=False),  # 0/1 (INTEGER on both databases)
    Column("procedure_id", Text),
    Column("page_id", Text),
    Column("seconds", Integer),
    Column("detail", Text),
    Column("language", Text),
    Column("text_size", Text),
    Column("contrast", Text),
    Column("voice", Integer),
    Column("profile", Text),
    # The kiosk's own weekday (0 = Monday) and hour, for staffing the counters.
    Column("local_weekday", Integer),
    Column("local_hour", Integer),
    # On the session_started row only: how the session ended up (migration 13).
    Column("final_language", Text),
    Column("final_text_size", Text),
    Column("finished", Integer),
    PrimaryKeyConstraint("kiosk_id", "session_key", "seq"),
)


# How many events were ever stored (migration 16): one row, raised in each store's
# transaction, so whoever keeps figures can tell whether events arrived since.
usage_stats = Table(
    "usage_stats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("stored", BigInteger, nullable=False),
)


def stored_total(connection) -> int:
    query = select(usage_stats.c.stored).where(usage_stats.c.id == 1)
    return connection.execute(query).scalar_one()


def _row(kiosk_id: str, event: UsageEvent) -> dict:
    started = event.kind is UsageKind.SESSION_STARTED
    return {
        "kiosk_id": kiosk_id,
        "session_key": event.session,
        "seq": event.seq,
        "kind": event.kind.value,
        "session_hour": event.hour,
        "practice": int(event.practice),
        "procedure_id": event.procedure,
        "page_id": event.page,
        "seconds": event.seconds,
        "detail": event.detail,
        "language": event.language,
        "text_size": event.text_size,
        "contrast": event.contrast,
        "voice": None if event.voice is None else int(event.voice),
        "profile": event.profile,
        "local_weekday": event.hour.weekday() if started else None,
        "local_hour": event.hour.hour if started else None,
    }


# The events that change how a session ended up (its session_started row keeps that).
SETTLING = frozenset(
    {UsageKind.SESSION_STARTED, UsageKind.LOOK_CHANGED, UsageKind.PROCEDURE_FINISHED}
)
_SETTLE_ONE = text(SETTLE_SESSIONS + " AND kiosk_id = :kiosk AND session_key = :session")


def _settle(connection, kiosk_id: str, rows: list[dict]) -> None:
    """The sessions these rows belong to, their outcome on their session_started row (a
    session's events may come in two batches, in any order: the row is set from all of them)."""
    sessions = sorted({row["session_key"] for row in rows if row["kind"] in SETTLING})
    if sessions:
        connection.execute(_SETTLE_ONE, [{"kiosk": kiosk_id, "session": s} for s in sessions])


def store(engine: Engine, kiosk_id: str, events: list[UsageEvent]) -> tuple[int, int]:
    """Keep the events the backend does not have yet; returns (stored, duplicates)."""
    stored = store_new(engine, kiosk_id, events)
    return len(stored.rows), stored.duplicates


@dataclass(frozen=True)
class Stored:
    rows: list[dict]  # the rows written (events the backend did not have)
    duplicates: int  # events it had already
    total: int  # how many events were ever stored, these included (stored_total)


def store_new(engine: Engine, kiosk_id: str, events: list[UsageEvent]) -> Stored:
    """Keep the events the backend does not have yet. One transaction: a batch is stored
    whole or not at all, with the total raised by what it wrote."""
    rows = {(event.session, event.seq): _row(kiosk_id, event) for event in events}
    insert = postgres_insert if is_postgresql(engine) else sqlite_insert
    key = tuple_(usage_events.c.session_key, usage_events.c.seq)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        known = {
            (row.session_key, row.seq)
            for row in connection.execute(
                select(usage_events.c.session_key, usage_events.c.seq).where(
                    usage_events.c.kiosk_id == kiosk_id, key.in_(list(rows))
                )
            )
        }
        new = [row for identity, row in rows.items() if identity not in known]
        if new:
            # A concurrent copy of the same batch may have stored some in between: no error,
            # and only the rows written here count (the total and kept figures grow by them).
            written = connection.execute(
                insert(usage_events)
                .on_conflict_do_nothing()
                .returning(usage_events.c.session_key, usage_events.c.seq),
                new,
            )
            inserted = {(row.session_key, row.seq) for row in written}
            new = [row for row in new if (row["session_key"], row["seq"]) in inserted]
        if new:
            _settle(connection, kiosk_id, new)
            total = connection.execute(
                update(usage_stats)
                .where(usage_stats.c.id == 1)
                .values(stored=usage_stats.c.stored + len(new))
                .returning(usage_stats.c.stored)
            ).scalar_one()
        else:
            total = stored_total(connection)
    return Stored(new, len(events) - len(new), total)
