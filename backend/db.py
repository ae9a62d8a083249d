"""The backend's database: one SQLAlchemy engine (SQLite file or PostgreSQL) and its tables.

The tables here describe the schema at the latest migration (backend/migrations.py builds it
step by step); queries use them, the migrations never do, so old steps stay as they were.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_CONNECT_TIMEOUT_S = 10
PG_STATEMENT_TIMEOUT_MS = 30_000  # a batch of 200 takes well under a second
POOL_TIMEOUT_S = 30
# Execution option for write transactions: on SQLite they take the write lock at BEGIN, so two
# writers queue on busy_timeout instead of failing when a read lock cannot be upgraded.
WRITE = {"sqlite_begin": "IMMEDIATE"}


class UtcTimestamp(TypeDecorator):
    """A moment stored as fixed-width UTC ISO-8601 text ("2026-11-26T01:00:00.000000+00:00").

    Text, not a native timestamp, so that one schema serves SQLite and PostgreSQL alike and the
    version-1 databases (which stored ISO text) upgrade in place; fixed width and one zone make
    text order equal time order, so range filters and indexes work on both."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return format_utc(parse_moment(value) if isinstance(value, str) else value)

    def process_result_value(self, value, dialect):
        return None if value is None else datetime.fromisoformat(value)


def parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the backend only ever writes aware moments
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", UtcTimestamp, nullable=False),
)

# An application is the kiosk's: its id is unique per kiosk only (one kiosk cannot claim, or
# learn about, another kiosk's id), so the key is both.
applications = Table(
    "applications",
    metadata,
    Column("id", String(36), nullable=False),
    Column("kiosk_id", Text, nullable=False),
    Column("reception_number", Text, nullable=False),
    Column("procedure_id", Text, nullable=False),
    Column("procedure_version", Integer, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("received_at", UtcTimestamp, nullable=False),
    Column("sealed", Text, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("staff_status", Text, nullable=False),
    Column("status_changed_at", UtcTimestamp),
    # Opened at the counter from a sealed receipt QR before the kiosk synced it (未同期); the
    # kiosk's sync clears it (backend/receipt_reconcile.py).
    Column("unsynced", Integer, nullable=False, server_default="0"),
    # The kiosk's sync brought answers that differ from the receipt's: flagged for staff, its
    # sealed envelope kept beside the one staff opened (never silently replaced).
    Column("sync_differs", Integer, nullable=False, server_default="0"),
    Column("synced_sealed", Text),
    PrimaryKeyConstraint("kiosk_id", "id"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("name", Text, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    # A staff token's role (backend/console/roles.py); None for a kiosk token.
    Column("role", Text),
)

kiosk_status = Table(
    "kiosk_status",
    metadata,
    Column("kiosk_id", Text, primary_key=True),
    Column("last_seen", UtcTimestamp, nullable=False),
    Column("sent_at", UtcTimestamp, nullable=False),
    Column("app_version", Text, nullable=False),
    Column("catalog_version", Text, nullable=False),
    Column("queue_depth", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("devices", Text, nullable=False),  # JSON object: device name → state
)

kiosk_alerts = Table(
    "kiosk_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", UtcTimestamp, nullable=False),
    Column("detail", Text, nullable=False),
    Column("received_at", UtcTimestamp, nullable=False),
    # sha256 of (kind, the kiosk's own time, detail): unique per kiosk, so a heartbeat sent
    # again (a lost reply, a replay) adds no alert twice.
    Column("alert_key", String(64), nullable=False),
    # Who among the staff acknowledged it (a console name) and when; None: still open.
    Column("acknowledged_at", UtcTimestamp),
    Column("acknowledged_by", Text),
)

# The states each kiosk reported, one row per change (not per heartbeat), the newest
# kiosk_history.HISTORY_KEPT per kiosk (backend/kiosk_history.py).
kiosk_state_history = Table(
    "kiosk_state_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", Text, nullable=False),
    Column("received_at", UtcTimestamp, nullable=False),
    Column("sent_at", UtcTimestamp, nullable=False),
    Column("app_version", Text, nullable=False),
    Column("catalog_version", Text, nullable=False),
    Column("devices", Text, nullable=False),  # JSON object: device name → state
)

# Each kiosk's Ed25519 public keys for sealed receipt QR codes (backend/receipt_keys.py), as
# the kiosk registered them with its bearer token: a key is trusted only while the token that
# registered it is (revoking a kiosk's tokens revokes its keys).
kiosk_receipt_keys = Table(
    "kiosk_receipt_keys",
    metadata,
    Column("kiosk_id", Text, nullable=False),
    Column("public_key", String(64), nullable=False),  # urlsafe base64 of the raw 32 bytes
    Column("token_sha256", String(64), nullable=False),
    Column("registered_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("kiosk_id", "public_key"),
)

# The kiosks as administrators registered them (backend/kiosk_health.py): a name and where
# the kiosk stands, for the console's kiosk page and its banners.
kiosks = Table(
    "kiosks",
    metadata,
    Column("kiosk_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("changed_at", UtcTimestamp, nullable=False),
)

# One-time enrollment codes (backend/enrollment.py), by a keyed hash only: single use
# (used_at), a day long (expires_at), revoked with their kiosk (revoked_at).
enrollment_codes = Table(
    "enrollment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("kiosk_id", Text, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("expires_at", UtcTimestamp, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("used_at", UtcTimestamp),
    Column("revoked_at", UtcTimestamp),
)

# The reception letter each enrolled kiosk was given: unique, and taken by another kiosk only
# once its holder has no kiosk token left (revoked).
kiosk_letters = Table(
    "kiosk_letters",
    metadata,
    Column("kiosk_id", Text, primary_key=True),
    Column("letter", String(1), nullable=False, unique=True),
    Column("enrolled_at", UtcTimestamp, nullable=False),
)

# Who among the staff did what to which application, and when (backend/audit.py).
staff_audit = Table(
    "staff_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcTimestamp, nullable=False),
    Column("who", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("kiosk_id", Text),
    Column("application_id", String(36)),
    Column("detail", Text, nullable=False),
    # The client's address, for entries written by the console (None: API token or CLI).
    Column("address", Text),
)

# The console's staff accounts (backend/console/users.py): a role, a slow salted password hash,
# and the lockout after repeated wrong passwords. Accounts are disabled, never deleted, so the
# audit log's names keep meaning someone.
staff_users = Table(
    "staff_users",
    metadata,
    Column("name", Text, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Integer, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcTimestamp),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("changed_at", UtcTimestamp, nullable=False),
)

# The divisions (課) a staff member belongs to, in the order they were given.
staff_user_divisions = Table(
    "staff_user_divisions",
    metadata,
    Column("user_name", Text, nullable=False),
    Column("division", Text, nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("user_name", "division"),
)

# Server-side console sessions (backend/console/sessions.py): the cookie's random id is stored
# only as its sha256, like a bearer token.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("last_seen", UtcTimestamp, nullable=False),
    Column("address", Text, nullable=False),
)

# One row the health check rewrites: "ok" means a write has just succeeded.
health_probe = Table(
    "health_probe",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcTimestamp, nullable=False),
)


def connect(url: str, *, migrate: bool = True) -> Engine:
    """An engine for url with the schema brought up to date (unless migrate is False)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        # pool_pre_ping: a PostgreSQL restart or a failover must not fail the next request.
        # Deadlines on every I/O: connecting, each statement, waiting for a pooled connection.
        engine = create_engine(
            url,
            hide_parameters=True,  # an error logged must not carry what was being written
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            pool_timeout=POOL_TIMEOUT_S,
            connect_args={
                "connect_timeout": PG_CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS}",
            },
        )
    if migrate:
        from backend.migrations import migrate as apply_migrations

        apply_migrations(engine)
    return engine


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        hide_parameters=True,  # an error logged must not carry what was being written
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # We issue BEGIN ourselves (below): pysqlite's own transaction handling would not put
        # DDL inside the migration's transaction, and cannot begin IMMEDIATE for writers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _wal(cursor)  # readers never wait for the writer
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged application survives power loss
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def _wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL. SQLite does not wait (no busy handler) when another connection is
    switching the same new file or recovering its WAL at that moment, so two backends starting
    together on a new database would fail; the switch is retried until the lock is gone or
    the busy timeout has passed."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)  # polling for the other connection's lock, with a deadline


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
