"""The kiosk's SQLite store: applications, their outbox, the audit trail, reception numbers.

Finalize writes everything about one application in ONE transaction with synchronous=FULL, so
a reception number shown on screen always stands for a durable application.

The outbox holds each application once, in one of two states: queued (waiting for the
backend) or quarantined (refused by the backend; set aside with the reason until a technician
re-queues it). After the backend acknowledges an application it leaves the outbox; its sealed
payload is deleted once the retention period has passed, its clear metadata stays for reprints.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from core.reception import FinalizedApplication, ReceptionNumber
from core.usage_wire import UsageEvent
from kiosk.store_retention import purge_sealed
from kiosk.store_schema import (
    DAMAGED_SUFFIX,
    MIGRATIONS,
    apply_migration,
    connect_database,
    integrity_problem,
    set_aside,
)

log = logging.getLogger(__name__)

QUEUED = "queued"
QUARANTINED = "quarantined"


class StoreError(Exception):
    """The database cannot do what was asked; worded for the technician."""


@dataclass(frozen=True)
class QuarantinedItem:
    """An application the backend refused, as the technician sees it: no personal data."""

    application_id: str
    reception_number: str
    procedure_id: str
    queued_at: str
    attempts: int
    reason: str


class KioskStore:
    def __init__(
        self, path: Path, *, retention_days: int = 30, recover_damaged: bool = False
    ) -> None:
        """Open (creating or upgrading) the database at path.

        A damaged database raises StoreError and is left untouched, unless recover_damaged
        (the technician's explicit choice) moves it aside, timestamped, and starts an empty one.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention = timedelta(days=retention_days)
        self._lock = threading.RLock()
        problem = integrity_problem(path)
        if problem is not None:
            if not recover_damaged:
                raise StoreError(
                    f"{path} is damaged ({problem}); the kiosk has not changed it. Copy it for "
                    "support, then start the kiosk once with KIOSK_RECOVER_DAMAGED_STORE=1: it "
                    f"keeps the damaged file as {path.name}{DAMAGED_SUFFIX}<time> and starts an "
                    "empty database (applications still queued in the damaged file are not sent)"
                )
            kept = set_aside(path, datetime.now().astimezone())
            log.error("damaged database %s kept as %s; starting an empty one", path, kept)
        self.db = connect_database(path)
        self._migrate()

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        current = self.schema_version
        if current > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} was written by a newer kiosk (schema {current}); "
                "update this kiosk's software"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with self._transaction():
                apply_migration(self.db, version)
                self.db.execute(f"PRAGMA user_version={version}")
            log.info("database migrated to schema %d", version)

    def finalize(
        self,
        *,
        procedure_id: str,
        procedure_version: int,
        letter: str,
        seal: Callable[[str], bytes | None],
        practice: bool,
        now: datetime | None = None,
        kiosk_id: str = "",
    ) -> FinalizedApplication:
        """Store one application, its outbox entry, an audit row and its reception number.

        `seal` receives the new application id (bound into the ciphertext) and returns the sealed
        answers. Nothing is written unless everything is.
        """
        now = now or datetime.now().astimezone()
        application_id = str(uuid.uuid4())
        sealed = seal(application_id)
        day = now.date().isoformat()
        try:
            with self._transaction():
                sql = self.db.execute
                row = sql(
                    "SELECT last_sequence FROM reception_counter WHERE day = ?", [day]
                ).fetchone()
                sequence = (row[0] if row else 0) + 1
                number = ReceptionNumber(letter, sequence)
                sql(
                    "INSERT INTO reception_counter (day, last_sequence) VALUES (?, ?) "
                    "ON CONFLICT(day) DO UPDATE SET last_sequence = excluded.last_sequence",
                    [day, sequence],
                )
                sql(
                    "INSERT INTO applications (id, reception_number, procedure_id, "
                    "procedure_version, created_at, practice, sealed, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'finalized')",
                    [
                        application_id,
                        str(number),
                        procedure_id,
                        procedure_version,
                        now.isoformat(),
                        int(practice),
                        sealed,
                    ],
                )
                if not practice:
                    sql(
                        "INSERT INTO outbox (application_id, queued_at, attempts) VALUES (?, ?, 0)",
                        [application_id, now.isoformat()],
                    )
                self._audit("application_finalized", application_id, procedure_id, now)
        except sqlite3.Error as error:  # disk full, I/O error, constraint: nothing is kept
            raise StoreError(f"the application could not be saved: {_plain(error)}") from error
        return FinalizedApplication(application_id, number, procedure_id, now, practice, kiosk_id)

    def _audit(self, action: str, application_id: str | None, detail: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO audit (at, action, application_id, detail) VALUES (?, ?, ?, ?)",
            [now.isoformat(), action, application_id, detail],
        )

    def journal_receipt(self, application_id: str, outcome: str, detail: str = "") -> None:
        now = datetime.now().astimezone().isoformat()
        self._write(
            lambda: self.db.execute(
                "INSERT INTO receipt_journal (application_id, at, outcome, detail) "
                "VALUES (?, ?, ?, ?)",
                [application_id, now, outcome, detail],
            )
        )

    def keep_receipt(self, application_id: str, layout: str) -> None:
        now = datetime.now().astimezone().isoformat()
        self._write(
            lambda: self.db.execute(
                "INSERT INTO receipts (application_id, at, layout) VALUES (?, ?, ?) "
                "ON CONFLICT(application_id) DO UPDATE SET at = excluded.at, "
                "layout = excluded.layout",
                [application_id, now, layout],
            )
        )

    def last_receipt(self) -> tuple[str, str] | None:
        """(application id, layout) of the newest receipt, for "reprint the last receipt"."""
        with self._lock:
            row = self.db.execute(
                "SELECT application_id, layout FROM receipts ORDER BY at DESC LIMIT 1"
            ).fetchone()
        return (row[0], row[1]) if row else None

    def receipt_layout(self, application_id: str) -> str | None:
        with self._lock:
            row = self.db.execute(
                "SELECT layout FROM receipts WHERE application_id = ?", [application_id]
            ).fetchone()
        return row[0] if row else None

    def receipt_journal(self, limit: int = 20) -> list[dict]:
        with self._lock:
            return self._dicts("SELECT * FROM receipt_journal ORDER BY id DESC LIMIT ?", [limit])

    def application(self, application_id: str) -> dict:
        with self._lock:
            rows = self._dicts("SELECT * FROM applications WHERE id = ?", [application_id])
        if not rows:
            raise KeyError(application_id)
        return rows[0]

    def outbox_ids(self) -> list[str]:
        with self._lock:
            rows = self.db.execute("SELECT application_id FROM outbox ORDER BY queued_at")
            return [row[0] for row in rows]

    # -- the outbox ------------------------------------------------------------------------

    def queued_for_sync(self, limit: int) -> list[dict]:
        """Queued applications, oldest first (quarantined ones are set aside)."""
        with self._lock:
            return self._dicts(
                "SELECT a.* FROM outbox o JOIN applications a ON a.id = o.application_id "
                "WHERE o.state = ? ORDER BY o.queued_at, a.id LIMIT ?",
                [QUEUED, limit],
            )

    def acknowledge(self, application_id: str, now: datetime | None = None) -> None:
        """The backend has it: leave the queue, keep the clear metadata for reprints."""
        self.acknowledge_many([application_id], now)

    def acknowledge_many(self, application_ids: list[str], now: datetime | None = None) -> None:
        now = now or datetime.now().astimezone()

        def work() -> None:
            for application_id in application_ids:
                self.db.execute("DELETE FROM outbox WHERE application_id = ?", [application_id])
                self.db.execute(
                    "UPDATE applications SET status = 'acknowledged', "
                    "acknowledged_at = ? WHERE id = ?",
                    [now.isoformat(), application_id],
                )
                self._audit("application_acknowledged", application_id, "", now)

        self._write(work)

    def quarantine(self, application_id: str, reason: str) -> None:
        """The backend refused it and would again: set it aside with the reason."""
        now = datetime.now().astimezone()

        def work() -> None:
            self.db.execute(
                "UPDATE outbox SET state = ?, quarantine_reason = ?, last_error = ?, "
                "attempts = attempts + 1, next_attempt_at = NULL WHERE application_id = ?",
                [QUARANTINED, reason, reason, application_id],
            )
            self._audit("application_quarantined", application_id, reason, now)

        self._write(work)

    def defer(self, application_ids: list[str], until: datetime, error: str) -> None:
        """A whole request failed: these stay queued, not to be tried before `until`.
        Every queued item waits as long (it is the backend that is unwell, not the item)."""

        def work() -> None:
            self.db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE state = ?",
                [until.isoformat(), QUEUED],
            )
            for application_id in application_ids:
                self.db.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                    "WHERE application_id = ?",
                    [error, application_id],
                )

        self._write(work)

    def next_attempt_at(self) -> datetime | None:
        """When the backoff allows the next request; None: now."""
        with self._lock:
            row = self.db.execute(
                "SELECT max(next_attempt_at) FROM outbox WHERE state = ?", [QUEUED]
            ).fetchone()
        return datetime.fromisoformat(row[0]) if row[0] else None

    def clear_backoff(self) -> None:
        """A request succeeded: nothing waits any more."""
        self._write(
            lambda: self.db.execute(
                "UPDATE outbox SET next_attempt_at = NULL, last_error = NULL WHERE state = ?",
                [QUEUED],
            )
        )

    def quarantined(self) -> list[QuarantinedItem]:
        with self._lock:
            rows = self.db.execute(
                "SELECT o.application_id, a.reception_number, a.procedure_id, o.queued_at, "
                "o.attempts, o.quarantine_reason FROM outbox o "
                "JOIN applications a ON a.id = o.application_id "
                "WHERE o.state = ? ORDER BY o.queued_at",
                [QUARANTINED],
            ).fetchall()
        return [QuarantinedItem(*row[:5], row[5] or "no reason given") for row in rows]

    def requeue(self, application_id: str | None = None) -> int:
        """Put one quarantined application (or, with None, every one) back in the queue;
        returns how many. The technician does this once the cause is fixed."""
        now = datetime.now().astimezone()
        where, values = "state = ?", [QUARANTINED]
        if application_id is not None:
            where, values = "state = ? AND application_id = ?", [QUARANTINED, application_id]
        counted: list[int] = []

        def work() -> None:
            ids = [
                row[0]
                for row in self.db.execute(
                    f"SELECT application_id FROM outbox WHERE {where}", values
                ).fetchall()
            ]
            for queued_id in ids:
                self.db.execute(
                    "UPDATE outbox SET state = ?, quarantine_reason = NULL, last_error = NULL, "
                    "next_attempt_at = NULL WHERE application_id = ?",
                    [QUEUED, queued_id],
                )
                self._audit("application_requeued", queued_id, "", now)
            counted.append(len(ids))

        self._write(work)
        return counted[0]

    def sync_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        counts = {QUEUED: 0, QUARANTINED: 0}
        counts.update(dict(rows))
        return counts

    def last_acknowledged_at(self) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT max(acknowledged_at) FROM applications").fetchone()
        return row[0]

    def last_sync_error(self) -> str | None:
        """The newest reason an application is waiting: a quarantine reason or a failure."""
        with self._lock:
            row = self.db.execute(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL "
                "ORDER BY attempts DESC, queued_at LIMIT 1"
            ).fetchone()
        return row[0] if row else None

    # -- retention --------------------------------------------------------------------------

    def purge_acknowledged(self, now: datetime | None = None) -> int:
        """Delete the sealed payload of applications acknowledged longer than the retention
        period ago (it lives on at the backend); the clear metadata stays for reprints.
        Returns how many were purged."""
        now = now or datetime.now().astimezone()
        cutoff = (now - self.retention).isoformat()
        counted: list[int] = []

        def work() -> None:
            counted.append(purge_sealed(self.db, cutoff, now))
            if counted[0]:
                self._audit("sealed_payloads_purged", None, str(counted[0]), now)

        self._write(work)
        return counted[0]

    # -- staff alerts waiting for the heartbeat ---------------------------------------------

    def record_alert(self, kind: str, detail: str = "", at: datetime | None = None) -> None:
        """Never personal data: a kind (staff_call, printer_paper_out) and a screen/device."""
        at = at or datetime.now().astimezone()
        self._write(
            lambda: self.db.execute(
                "INSERT INTO staff_alerts (kind, at, detail) VALUES (?, ?, ?)",
                [kind, at.isoformat(), detail],
            )
        )

    def pending_alerts(self, limit: int = 100) -> list[dict]:
        with self._lock:
            return self._dicts("SELECT * FROM staff_alerts ORDER BY id LIMIT ?", [limit])

    def forget_alerts(self, alert_ids: list[int]) -> None:
        """The backend acknowledged a heartbeat carrying these."""

        def work() -> None:
            for alert_id in alert_ids:
                self.db.execute("DELETE FROM staff_alerts WHERE id = ?", [alert_id])

        self._write(work)

    # -- usage events waiting for the backend (kiosk/usage.py) ------------------------------

    def keep_usage(self, events: list[UsageEvent]) -> None:
        """One resident session's events, in one write."""
        rows = [[event.model_dump_json()] for event in events]
        self._write(
            lambda: self.db.executemany("INSERT INTO usage_events (event) VALUES (?)", rows)
        )

    def usage_to_send(self, limit: int) -> list[tuple[int, UsageEvent]]:
        """The oldest kept events, with the row ids that forget_usage takes."""
        with self._lock:
            rows = self.db.execute(
                "SELECT id, event FROM usage_events ORDER BY id LIMIT ?", [limit]
            ).fetchall()
        return [(row[0], UsageEvent.model_validate_json(row[1])) for row in rows]

    def forget_usage(self, row_ids: list[int]) -> None:
        """The backend confirmed it has these."""
        self._write(
            lambda: self.db.executemany(
                "DELETE FROM usage_events WHERE id = ?", [[row_id] for row_id in row_ids]
            )
        )

    def usage_count(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM usage_events").fetchone()[0]

    # -- what sync remembers between runs (for `kiosk sync status`) ---------------------------

    def sync_state(self) -> dict[str, str]:
        with self._lock:
            return dict(self.db.execute("SELECT key, value FROM sync_state").fetchall())

    def set_sync_state(self, **values: str | None) -> None:
        """None deletes a key."""

        def work() -> None:
            for key, value in values.items():
                if value is None:
                    self.db.execute("DELETE FROM sync_state WHERE key = ?", [key])
                else:
                    self.db.execute(
                        "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        [key, value],
                    )

        self._write(work)

    def _write(self, work: Callable[[], object]) -> None:
        with self._transaction():
            work()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction at a time on the shared connection: a statement from another thread
        must never land inside this one."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back by itself (disk full, I/O error).
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def receipt_outcomes(self, application_id: str) -> list[str]:
        with self._lock:
            rows = self.db.execute(
                "SELECT outcome FROM receipt_journal WHERE application_id = ? ORDER BY id",
                [application_id],
            )
            return [row[0] for row in rows]

    def _dicts(self, sql: str, values: list) -> list[dict]:
        """Rows as {column: value}, for callers that read them by name."""
        cursor = self.db.execute(sql, values)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.db.close()

    def receipt_outcome_counts(self) -> dict[str, int]:
        """Journaled print outcomes, counted (reprints apart), for kiosk/support_bundle.py."""
        sql = "SELECT outcome || IIF(detail LIKE 'reprint:%', ' (reprint)', ''), count(*) "
        with self._lock:
            return dict(self.db.execute(sql + "FROM receipt_journal GROUP BY 1").fetchall())


def _plain(error: sqlite3.Error) -> str:
    """The technician's words for what SQLite reports."""
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or "full" in str(error):
        return "the disk is full (free space on the kiosk's data disk)"
    return str(error)
