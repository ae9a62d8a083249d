"""The kiosk's SQLite store: applications, their outbox, the audit trail, reception numbers.

Finalize writes everything about one application in ONE transaction with synchronous=FULL, so
a reception number shown on screen always stands for a durable application.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from kiosk.reception import ReceptionNumber

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000


def _migration_1(db: sqlite_utils.Database) -> None:
    db["applications"].create(
        {
            "id": str,
            "reception_number": str,
            "procedure_id": str,
            "procedure_version": int,
            "created_at": str,
            "practice": int,
            "sealed": bytes,  # answers sealed to the municipality's key; NULL in practice mode
            "status": str,
        },
        pk="id",
    )
    db["outbox"].create(
        {"application_id": str, "queued_at": str, "attempts": int, "last_error": str},
        pk="application_id",
        foreign_keys=[("application_id", "applications", "id")],
    )
    db["audit"].create(
        {"id": int, "at": str, "action": str, "application_id": str, "detail": str}, pk="id"
    )
    db["reception_counter"].create({"day": str, "last_sequence": int}, pk="day")
    db["receipt_journal"].create(
        {"id": int, "application_id": str, "at": str, "outcome": str, "detail": str}, pk="id"
    )


def _migration_2(db: sqlite_utils.Database) -> None:
    """Sync state: when the backend acknowledged an application, and rejected outbox items."""
    db["applications"].add_column("acknowledged_at", str)
    db["outbox"].add_column("state", str, not_null_default="queued")


def _migration_3(db: sqlite_utils.Database) -> None:
    """Receipts as laid out (no personal data: procedure, counter, fee, number), for reprints."""
    db["receipts"].create(
        {"application_id": str, "at": str, "layout": str},
        pk="application_id",
        foreign_keys=[("application_id", "applications", "id")],
    )


# Numbered migrations: index + 1 is the schema version they produce. Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
]


class StoreError(Exception):
    """The database cannot do what was asked; worded for the technician."""


@dataclass(frozen=True)
class FinalizedApplication:
    id: str
    reception_number: ReceptionNumber
    procedure_id: str
    created_at: datetime
    practice: bool


class KioskStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # check_same_thread=False: the store is used from the services' single worker thread
        # and from the GUI thread for reads; SQLite itself serializes access.
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        connection.isolation_level = None  # explicit BEGIN/COMMIT below
        self.db = sqlite_utils.Database(connection)
        self._lock = threading.RLock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA foreign_keys=ON")
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
                MIGRATIONS[version - 1](self.db)
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
                row = self.db.execute(
                    "SELECT last_sequence FROM reception_counter WHERE day = ?", [day]
                ).fetchone()
                sequence = (row[0] if row else 0) + 1
                number = ReceptionNumber(letter, sequence)
                self.db["reception_counter"].upsert(
                    {"day": day, "last_sequence": sequence}, pk="day"
                )
                self.db["applications"].insert(
                    {
                        "id": application_id,
                        "reception_number": str(number),
                        "procedure_id": procedure_id,
                        "procedure_version": procedure_version,
                        "created_at": now.isoformat(),
                        "practice": int(practice),
                        "sealed": sealed,
                        "status": "finalized",
                    }
                )
                if not practice:
                    self.db["outbox"].insert(
                        {
                            "application_id": application_id,
                            "queued_at": now.isoformat(),
                            "attempts": 0,
                            "last_error": None,
                        }
                    )
                self._audit("application_finalized", application_id, procedure_id, now)
        except sqlite3.Error as error:  # disk full, I/O error, constraint: nothing is kept
            raise StoreError(f"the application could not be saved: {error}") from error
        return FinalizedApplication(application_id, number, procedure_id, now, practice)

    def _audit(self, action: str, application_id: str | None, detail: str, now: datetime) -> None:
        self.db["audit"].insert(
            {
                "at": now.isoformat(),
                "action": action,
                "application_id": application_id,
                "detail": detail,
            }
        )

    def journal_receipt(self, application_id: str, outcome: str, detail: str = "") -> None:
        now = datetime.now().astimezone().isoformat()
        self._write(
            lambda: self.db["receipt_journal"].insert(
                {"application_id": application_id, "at": now, "outcome": outcome, "detail": detail}
            )
        )

    def keep_receipt(self, application_id: str, layout: str) -> None:
        now = datetime.now().astimezone().isoformat()
        self._write(
            lambda: self.db["receipts"].upsert(
                {"application_id": application_id, "at": now, "layout": layout},
                pk="application_id",
            )
        )

    def last_receipt(self) -> tuple[str, str] | None:
        """(application id, layout) of the newest receipt, for "reprint the last receipt"."""
        with self._lock:
            rows = list(self.db["receipts"].rows_where(order_by="at desc", limit=1))
        return (rows[0]["application_id"], rows[0]["layout"]) if rows else None

    def receipt_layout(self, application_id: str) -> str | None:
        with self._lock:
            rows = list(self.db["receipts"].rows_where("application_id = ?", [application_id]))
        return rows[0]["layout"] if rows else None

    def receipt_journal(self, limit: int = 20) -> list[dict]:
        with self._lock:
            return list(self.db["receipt_journal"].rows_where(order_by="id desc", limit=limit))

    def application(self, application_id: str) -> dict:
        with self._lock:
            return self.db["applications"].get(application_id)

    def outbox_ids(self) -> list[str]:
        with self._lock:
            rows = self.db["outbox"].rows_where(order_by="queued_at")
            return [row["application_id"] for row in rows]

    def queued_for_sync(self, limit: int) -> list[dict]:
        """Applications waiting for the backend, oldest first (rejected ones are set aside)."""
        with self._lock:
            return list(
                self.db.query(
                    "SELECT a.* FROM outbox o JOIN applications a ON a.id = o.application_id "
                    "WHERE o.state = 'queued' ORDER BY o.queued_at LIMIT ?",
                    [limit],
                )
            )

    def acknowledge(self, application_id: str) -> None:
        """The backend has it: leave the queue, keep the clear metadata for reprints."""
        now = datetime.now().astimezone()
        self._write(
            lambda: (
                self.db.execute("DELETE FROM outbox WHERE application_id = ?", [application_id]),
                self.db.execute(
                    "UPDATE applications SET status = 'acknowledged', "
                    "acknowledged_at = ? WHERE id = ?",
                    [now.isoformat(), application_id],
                ),
                self._audit("application_acknowledged", application_id, "", now),
            )
        )

    def note_sync_failure(self, application_id: str, reason: str, rejected: bool) -> None:
        self._write(
            lambda: self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ? "
                "WHERE application_id = ?",
                [reason, "rejected" if rejected else "queued", application_id],
            )
        )

    def sync_counts(self) -> dict[str, int]:
        with self._lock:
            rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        counts = {"queued": 0, "rejected": 0}
        counts.update(dict(rows))
        return counts

    def last_acknowledged_at(self) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT max(acknowledged_at) FROM applications").fetchone()
        return row[0]

    def last_sync_error(self) -> str | None:
        with self._lock:
            row = self.db.execute(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL "
                "ORDER BY attempts DESC, queued_at LIMIT 1"
            ).fetchone()
        return row[0] if row else None

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
                self.db.execute("ROLLBACK")
                raise

    def receipt_outcomes(self, application_id: str) -> list[str]:
        with self._lock:
            rows = self.db["receipt_journal"].rows_where(
                "application_id = ?", [application_id], order_by="id"
            )
            return [row["outcome"] for row in rows]

    def close(self) -> None:
        self.db.conn.close()
