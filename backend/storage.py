"""The backend's store of received applications (SQLite; PostgreSQL arrives with the sync
issue). The application id is the primary key, which is what makes submission idempotent."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from kiosk.wire import SubmissionStatus, SubmittedApplication

BUSY_TIMEOUT_S = 5.0


class ReceivedApplications:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS applications ("
            " id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, reception_number TEXT NOT NULL,"
            " procedure_id TEXT NOT NULL, procedure_version INTEGER NOT NULL,"
            " created_at TEXT NOT NULL, received_at TEXT NOT NULL, sealed TEXT NOT NULL)"
        )

    def add(self, application: SubmittedApplication) -> SubmissionStatus:
        with self._lock:
            cursor = self._connection.execute(
                "INSERT OR IGNORE INTO applications VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    application.id,
                    application.kiosk_id,
                    application.reception_number,
                    application.procedure_id,
                    application.procedure_version,
                    application.created_at.isoformat(),
                    datetime.now(UTC).isoformat(),
                    application.sealed,
                ),
            )
        return SubmissionStatus.CREATED if cursor.rowcount == 1 else SubmissionStatus.DUPLICATE

    def count(self) -> int:
        with self._lock:
            return self._connection.execute("SELECT count(*) FROM applications").fetchone()[0]

    def ids(self) -> list[str]:
        with self._lock:
            rows = self._connection.execute("SELECT id FROM applications ORDER BY id")
            return [row[0] for row in rows]

    def close(self) -> None:
        self._connection.close()
