"""The kiosk database as a file: its numbered schema migrations, how a connection is opened,
and how a damaged file is found and set aside. kiosk/store.py holds what the kiosk stores in it.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

BUSY_TIMEOUT_MS = 5_000

# Each migration is frozen SQL: the statements that made a schema version must never change
# with a library's release, or two kiosks on the same version would hold different schemas.
# (These are the statements sqlite-utils generated when the migrations were first written;
# the kiosk no longer imports it: with numpy, which it imports, it cost 25 MB of every kiosk's
# memory. tests/test_store.py checks that an upgraded and a new database are the same.)
_MIGRATION_1 = (
    """CREATE TABLE "applications" (
   "id" TEXT PRIMARY KEY,
   "reception_number" TEXT,
   "procedure_id" TEXT,
   "procedure_version" INTEGER,
   "created_at" TEXT,
   "practice" INTEGER,
   "sealed" BLOB,
   "status" TEXT
)""",  # sealed: answers sealed to the municipality's key; NULL in practice mode
    """CREATE TABLE "outbox" (
   "application_id" TEXT PRIMARY KEY REFERENCES "applications"("id"),
   "queued_at" TEXT,
   "attempts" INTEGER,
   "last_error" TEXT
)""",
    """CREATE TABLE "audit" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT,
   "action" TEXT,
   "application_id" TEXT,
   "detail" TEXT
)""",
    """CREATE TABLE "reception_counter" (
   "day" TEXT PRIMARY KEY,
   "last_sequence" INTEGER
)""",
    """CREATE TABLE "receipt_journal" (
   "id" INTEGER PRIMARY KEY,
   "application_id" TEXT,
   "at" TEXT,
   "outcome" TEXT,
   "detail" TEXT
)""",
)

# Sync state: when the backend acknowledged an application, and rejected outbox items.
_MIGRATION_2 = (
    'ALTER TABLE "applications" ADD COLUMN "acknowledged_at" TEXT',
    """ALTER TABLE "outbox" ADD COLUMN "state" TEXT NOT NULL DEFAULT 'queued'""",
)

# Receipts as laid out (no personal data: procedure, counter, fee, number), for reprints.
_MIGRATION_3 = (
    """CREATE TABLE "receipts" (
   "application_id" TEXT PRIMARY KEY REFERENCES "applications"("id"),
   "at" TEXT,
   "layout" TEXT
)""",
)

# Batch sync: backoff, quarantine with its reason, staff alerts for the heartbeat, the sync
# state shown by `kiosk sync status`, and when a sealed payload was purged. Staff alerts wait
# until the backend acknowledged a heartbeat carrying them; never personal data: a kind
# (staff_call, printer_paper_out), a time, a screen or device.
_MIGRATION_4 = (
    'ALTER TABLE "outbox" ADD COLUMN "next_attempt_at" TEXT',
    'ALTER TABLE "outbox" ADD COLUMN "quarantine_reason" TEXT',
    "UPDATE outbox SET state = 'quarantined', quarantine_reason = last_error "
    "WHERE state = 'rejected'",
    'ALTER TABLE "applications" ADD COLUMN "purged_at" TEXT',
    """CREATE TABLE "staff_alerts" (
   "id" INTEGER PRIMARY KEY,
   "kind" TEXT,
   "at" TEXT,
   "detail" TEXT
)""",
    """CREATE TABLE "sync_state" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
)""",
)

# Usage events (kiosk/usage.py), never personal: each a core.usage_wire.UsageEvent as JSON,
# kept until the backend confirms it has them.
_MIGRATION_5 = (
    """CREATE TABLE "usage_events" (
   "id" INTEGER PRIMARY KEY,
   "event" TEXT NOT NULL
)""",
)

# Numbered migrations: index + 1 is the schema version they produce. Append, never edit.
MIGRATIONS: list[tuple[str, ...]] = [
    _MIGRATION_1,
    _MIGRATION_2,
    _MIGRATION_3,
    _MIGRATION_4,
    _MIGRATION_5,
]


def apply_migration(connection: sqlite3.Connection, version: int) -> None:
    """Run the statements of one schema version (inside the caller's transaction)."""
    for statement in MIGRATIONS[version - 1]:
        connection.execute(statement)


DAMAGED_SUFFIX = ".damaged-"


def connect_database(path: Path) -> sqlite3.Connection:
    # check_same_thread=False: the store is used from the services' worker thread, the sync
    # thread and the GUI thread; the lock and SQLite itself serialize access.
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    connection.isolation_level = None  # explicit BEGIN/COMMIT in KioskStore._transaction
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


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
