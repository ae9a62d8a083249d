"""The kiosk database as a file: its numbered schema migrations, how a connection is opened,
and how a damaged file is found and set aside. kiosk/store.py holds what the kiosk stores in it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlite_utils

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


def _migration_4(db: sqlite_utils.Database) -> None:
    """Batch sync: backoff, quarantine with its reason, staff alerts for the heartbeat, the
    sync state shown by `kiosk sync status`, and when a sealed payload was purged."""
    db["outbox"].add_column("next_attempt_at", str)
    db["outbox"].add_column("quarantine_reason", str)
    db.execute(
        "UPDATE outbox SET state = 'quarantined', quarantine_reason = last_error "
        "WHERE state = 'rejected'"
    )
    db["applications"].add_column("purged_at", str)
    # Staff alerts wait here until the backend acknowledged a heartbeat carrying them.
    # Never personal data: a kind (staff_call, printer_paper_out), a time, a screen or device.
    db["staff_alerts"].create({"id": int, "kind": str, "at": str, "detail": str}, pk="id")
    db["sync_state"].create({"key": str, "value": str}, pk="key")


# Numbered migrations: index + 1 is the schema version they produce. Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
    _migration_4,
]

DAMAGED_SUFFIX = ".damaged-"


def connect_database(path: Path) -> sqlite_utils.Database:
    # check_same_thread=False: the store is used from the services' worker thread, the sync
    # thread and the GUI thread; the lock and SQLite itself serialize access.
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    connection.isolation_level = None  # explicit BEGIN/COMMIT in KioskStore._transaction
    db = sqlite_utils.Database(connection)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def integrity_problem(path: Path) -> str | None:
    """What PRAGMA integrity_check finds wrong with an existing database; None when sound.
    Checked on a separate connection before anything (WAL, migrations) writes to it."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:  # "file is not a database", unreadable pages
        return str(error)
    found = [row[0] for row in rows]
    return None if found == ["ok"] else "; ".join(found[:3])


def set_aside(path: Path, now: datetime) -> Path:
    """Keep a damaged database (and its WAL) beside it, renamed with a timestamp."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f"{path.name}{DAMAGED_SUFFIX}{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, kept.with_name(kept.name + suffix))
    return kept
