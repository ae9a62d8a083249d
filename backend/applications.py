"""The received applications: idempotent bulk storage for kiosks, queries for staff.

An application is the kiosk's: the key is (kiosk_id, id), so one kiosk cannot claim another
kiosk's id first (ids are printed on receipts), and nothing it is told depends on whether
another kiosk has used an id. Every insert is ON CONFLICT DO NOTHING on that key, so two
requests carrying the same application at the same moment end as one row whatever the
timing; the loser then compares body fingerprints to answer duplicate (same body) or rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend import audit, receipt_reconcile
from backend.bodyhash import body_sha256
from backend.db import WRITE, applications, is_postgresql
from backend.receipt_reconcile import PayloadOpener
from core.errors import CommandFailed
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
    applications.c.unsynced,  # 未同期: opened from its receipt QR, not yet synced
    applications.c.sync_differs,  # the sync brought different answers: staff must look
)


class AmbiguousApplication(CommandFailed):
    """An id without its kiosk names applications of several kiosks: the caller must say which.
    Worded for people (the staff CLI prints it; the staff API answers 409 with it)."""

    def __init__(self, application_id: str, kiosk_ids: list[str]) -> None:
        super().__init__(
            f"application {application_id} was received from several kiosks "
            f"({', '.join(kiosk_ids)}): give the kiosk too"
        )
        self.kiosk_ids = kiosk_ids


@dataclass(frozen=True)
class Outcome:
    status: SubmissionStatus
    reason: str | None = None


def store(
    engine: Engine,
    batch: list[SubmittedApplication],
    *,
    open_payload: PayloadOpener | None = None,
) -> dict[tuple[str, str], Outcome]:
    """Store applications with distinct (kiosk_id, id) in one transaction; the outcome of each
    by (kiosk_id, id). open_payload: how to open sealed answers, to recognise an application
    a clerk already opened from its receipt QR (without it, a different body is refused)."""
    if not batch:
        return {}
    now = datetime.now(UTC)
    rows = [_row(application, now) for application in batch]
    dialect_insert = postgresql.insert if is_postgresql(engine) else sqlite.insert
    statement = (
        dialect_insert(applications)
        .on_conflict_do_nothing(index_elements=[applications.c.kiosk_id, applications.c.id])
        .returning(applications.c.kiosk_id, applications.c.id)
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        # One multi-row INSERT … RETURNING per batch (SQLAlchemy's insertmanyvalues).
        created = {(row.kiosk_id, row.id) for row in connection.execute(statement, rows)}
        others: dict[str, list[str]] = {}
        for row in rows:
            if (row["kiosk_id"], row["id"]) not in created:
                others.setdefault(row["kiosk_id"], []).append(row["id"])
        stored: dict[tuple[str, str], dict] = {}
        for kiosk_id, ids in others.items():
            found = connection.execute(
                select(*receipt_reconcile.STORED_COLUMNS).where(
                    applications.c.kiosk_id == kiosk_id, applications.c.id.in_(ids)
                )
            ).mappings()
            stored.update({(kiosk_id, row["id"]): dict(row) for row in found})
        outcomes: dict[tuple[str, str], Outcome] = {}
        for row in rows:
            key = (row["kiosk_id"], row["id"])
            earlier = stored.get(key)
            if key in created:
                outcomes[key] = Outcome(SubmissionStatus.CREATED)
            elif earlier is not None and earlier["body_sha256"] == row["body_sha256"]:
                outcomes[key] = Outcome(SubmissionStatus.DUPLICATE)
            elif earlier is not None and receipt_reconcile.from_receipt(earlier):
                status = receipt_reconcile.reconcile(connection, row, earlier, open_payload)
                outcomes[key] = (
                    Outcome(status)
                    if status
                    else Outcome(SubmissionStatus.REJECTED, SAME_ID_OTHER_BODY)
                )
            else:
                outcomes[key] = Outcome(SubmissionStatus.REJECTED, SAME_ID_OTHER_BODY)
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
            .order_by(applications.c.received_at, applications.c.kiosk_id, applications.c.id)
            .limit(limit)
            .offset(offset)
        ).mappings()
        return total, [dict(row) for row in rows]


def _matching(application_id: str, kiosk_id: str | None, reception_number: str | None) -> list:
    clauses = [applications.c.id == application_id]
    if kiosk_id is not None:
        clauses.append(applications.c.kiosk_id == kiosk_id)
    if reception_number is not None:
        clauses.append(applications.c.reception_number == reception_number)
    return clauses


def one(
    engine: Engine,
    application_id: str,
    kiosk_id: str | None = None,
    *,
    reception_number: str | None = None,
) -> dict | None:
    """One application with its sealed answers, or None. Without kiosk_id the id must name
    one application only (AmbiguousApplication otherwise); a reception number narrows it, as
    on the receipts printed before they named their kiosk."""
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(*SUMMARY_COLUMNS, applications.c.sealed)
                .where(*_matching(application_id, kiosk_id, reception_number))
                .order_by(applications.c.kiosk_id)
                .limit(10)
            )
            .mappings()
            .all()
        )
    if len(rows) > 1:
        raise AmbiguousApplication(application_id, [row["kiosk_id"] for row in rows])
    return dict(rows[0]) if rows else None


def set_status(
    engine: Engine,
    application_id: str,
    status: StaffStatus,
    kiosk_id: str | None = None,
    *,
    who: str | None = None,
    detail: dict | None = None,
) -> dict | None:
    """Set the staff status; the updated summary, or None when there is no such application.
    With who, the change and its audit entry (with detail added) are one transaction."""
    status = StaffStatus(status)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        rows = (
            connection.execute(
                select(*SUMMARY_COLUMNS)
                .where(*_matching(application_id, kiosk_id, None))
                .order_by(applications.c.kiosk_id)
                .limit(10)
            )
            .mappings()
            .all()
        )
        if not rows:
            return None
        if len(rows) > 1:
            raise AmbiguousApplication(application_id, [row["kiosk_id"] for row in rows])
        before = rows[0]
        key = (applications.c.kiosk_id == before["kiosk_id"], applications.c.id == application_id)
        connection.execute(
            update(applications)
            .where(*key)
            .values(staff_status=status.value, status_changed_at=datetime.now(UTC))
        )
        if who is not None:
            audit.append(
                connection,
                who=who,
                action=audit.Action.STATUS,
                kiosk_id=before["kiosk_id"],
                application_id=application_id,
                detail={**(detail or {}), "from": before["staff_status"], "to": status.value},
            )
        return dict(connection.execute(select(*SUMMARY_COLUMNS).where(*key)).mappings().one())


def each(engine: Engine, filters: Filters, chunk: int = 500) -> Iterator[dict]:
    """Every matching application with its sealed answers, streamed in received order (an
    export of a year of applications must not be held in memory at once)."""
    with engine.connect().execution_options(yield_per=chunk) as connection:
        result = connection.execute(
            select(*SUMMARY_COLUMNS, applications.c.sealed)
            .where(*filters.where())
            .order_by(applications.c.received_at, applications.c.kiosk_id, applications.c.id)
        ).mappings()
        for row in result:
            yield dict(row)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(applications)).scalar_one()
