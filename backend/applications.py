"""The received applications: idempotent bulk storage for kiosks, queries for staff.

The application id is the primary key and every insert is ON CONFLICT DO NOTHING, so two
requests carrying the same id at the same moment end as one row whatever the timing; the
loser then compares body fingerprints to answer duplicate (same body) or rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend.bodyhash import body_sha256
from backend.db import WRITE, applications, is_postgresql
from core.wire import StaffStatus, SubmissionStatus, SubmittedApplication

SAME_ID_OTHER_BODY = "an application with this id but different content was already received"

# What staff see in a list: everything but the sealed answers and the fingerprint.
SUMMARY_COLUMNS = (
    applications.c.id,
    applications.c.kiosk_id,
    applications.c.reception_number,
    applications.c.procedure_id,
    applications.c.procedure_version,
    applications.c.created_at,
    applications.c.received_at,
    applications.c.staff_status,
    applications.c.status_changed_at,
)


@dataclass(frozen=True)
class Outcome:
    status: SubmissionStatus
    reason: str | None = None


def store(engine: Engine, batch: list[SubmittedApplication]) -> dict[str, Outcome]:
    """Store applications with distinct ids in one transaction; the outcome of each by id."""
    if not batch:
        return {}
    now = datetime.now(UTC)
    rows = [_row(application, now) for application in batch]
    dialect_insert = postgresql.insert if is_postgresql(engine) else sqlite.insert
    statement = (
        dialect_insert(applications)
        .on_conflict_do_nothing(index_elements=[applications.c.id])
        .returning(applications.c.id)
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        # One multi-row INSERT … RETURNING per batch (SQLAlchemy's insertmanyvalues).
        created = {row.id for row in connection.execute(statement, rows)}
        others = [row["id"] for row in rows if row["id"] not in created]
        stored = {}
        if others:
            stored = dict(
                connection.execute(
                    select(applications.c.id, applications.c.body_sha256).where(
                        applications.c.id.in_(others)
                    )
                ).all()
            )
    outcomes: dict[str, Outcome] = {}
    for row in rows:
        if row["id"] in created:
            outcomes[row["id"]] = Outcome(SubmissionStatus.CREATED)
        elif stored.get(row["id"]) == row["body_sha256"]:
            outcomes[row["id"]] = Outcome(SubmissionStatus.DUPLICATE)
        else:
            outcomes[row["id"]] = Outcome(SubmissionStatus.REJECTED, SAME_ID_OTHER_BODY)
    return outcomes


def _row(application: SubmittedApplication, now: datetime) -> dict:
    fields = application.model_dump()
    return {
        **fields,
        "received_at": now,
        "body_sha256": body_sha256(fields),
        "staff_status": StaffStatus.RECEIVED.value,
        "status_changed_at": None,
    }


@dataclass(frozen=True)
class Filters:
    status: StaffStatus | None = None
    procedure_id: str | None = None
    kiosk_id: str | None = None
    since: datetime | None = None  # received at or after this moment

    def where(self) -> list:
        clauses = []
        if self.status is not None:
            clauses.append(applications.c.staff_status == StaffStatus(self.status).value)
        if self.procedure_id:
            clauses.append(applications.c.procedure_id == self.procedure_id)
        if self.kiosk_id:
            clauses.append(applications.c.kiosk_id == self.kiosk_id)
        if self.since is not None:
            clauses.append(applications.c.received_at >= self.since)
        return clauses


def summaries(
    engine: Engine, filters: Filters, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict]]:
    """(how many match, one page of them), oldest received first (a stable order to page by)."""
    clauses = filters.where()
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(applications).where(*clauses)
        ).scalar_one()
        rows = connection.execute(
            select(*SUMMARY_COLUMNS)
            .where(*clauses)
            .order_by(applications.c.received_at, applications.c.id)
            .limit(limit)
            .offset(offset)
        ).mappings()
        return total, [dict(row) for row in rows]


def one(engine: Engine, application_id: str) -> dict | None:
    """One application with its sealed answers, or None."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                select(*SUMMARY_COLUMNS, applications.c.sealed).where(
                    applications.c.id == application_id
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def set_status(engine: Engine, application_id: str, status: StaffStatus) -> dict | None:
    """Set the staff status; the updated summary, or None when there is no such application."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        result = connection.execute(
            update(applications)
            .where(applications.c.id == application_id)
            .values(staff_status=StaffStatus(status).value, status_changed_at=datetime.now(UTC))
        )
        if result.rowcount == 0:
            return None
        row = (
            connection.execute(select(*SUMMARY_COLUMNS).where(applications.c.id == application_id))
            .mappings()
            .one()
        )
        return dict(row)


def each(engine: Engine, filters: Filters, chunk: int = 500) -> Iterator[dict]:
    """Every matching application with its sealed answers, streamed in received order (an
    export of a year of applications must not be held in memory at once)."""
    with engine.connect().execution_options(yield_per=chunk) as connection:
        result = connection.execute(
            select(*SUMMARY_COLUMNS, applications.c.sealed)
            .where(*filters.where())
            .order_by(applications.c.received_at, applications.c.id)
        ).mappings()
        for row in result:
            yield dict(row)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(applications)).scalar_one()
