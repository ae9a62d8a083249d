"""Schema migrations (every earlier version upgrades) and tokens (stored hashed only)."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from backend import applications, db, kiosk_health, tokens
from backend.bodyhash import body_sha256
from backend.migrations import LATEST, MIGRATIONS, SchemaTooNew, applied_version, migrate
from backend.paths import BackendPaths, kiosk_token
from backend.provisioning import issue_token, local_kiosk_token
from core.wire import Heartbeat, StaffStatus, SubmissionStatus, SubmittedApplication
from tests.postgres import backend_database, postgres_server  # noqa: F401

# The schema and the insert of the first backend (backend/storage.py before migrations),
# verbatim: a database it created must keep working.
VERSION_1_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS applications ("
    " id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, reception_number TEXT NOT NULL,"
    " procedure_id TEXT NOT NULL, procedure_version INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, received_at TEXT NOT NULL, sealed TEXT NOT NULL)"
)


def submitted(**fields) -> SubmittedApplication:
    return SubmittedApplication(
        **{
            "id": str(uuid.uuid4()),
            "kiosk_id": "kiosk-01",
            "reception_number": "A-001",
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
            "sealed": '{"v": 1}',
            **fields,
        }
    )


def insert_version_1_row(connection, application: SubmittedApplication) -> None:
    """What ReceivedApplications.add of version 1 wrote."""
    connection.execute(
        text(
            "INSERT INTO applications (id, kiosk_id, reception_number, procedure_id,"
            " procedure_version, created_at, received_at, sealed) VALUES (:id, :kiosk_id,"
            " :reception_number, :procedure_id, :procedure_version, :created_at, :received_at,"
            " :sealed)"
        ),
        {
            **application.model_dump(),
            "created_at": application.created_at.isoformat(),
            "received_at": datetime.now(UTC).isoformat(),
        },
    )


def test_a_database_made_by_the_first_backend_upgrades_and_keeps_its_applications(tmp_path):
    path = tmp_path / "backend.sqlite3"
    old = submitted()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(VERSION_1_SCHEMA)
    connection.execute(
        "INSERT OR IGNORE INTO applications VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            old.id,
            old.kiosk_id,
            old.reception_number,
            old.procedure_id,
            old.procedure_version,
            old.created_at.isoformat(),
            datetime.now(UTC).isoformat(),
            old.sealed,
        ),
    )
    connection.close()

    engine = db.connect(f"sqlite:///{path}")
    try:
        assert applied_version(engine) == LATEST
        assert applications.one(engine, old.id)["staff_status"] == StaffStatus.RECEIVED
        # The kiosk resends it after a lost reply: the same body, so a duplicate.
        outcome = applications.store(engine, [old])[(old.kiosk_id, old.id)]
        assert outcome.status is SubmissionStatus.DUPLICATE
        changed = old.model_copy(update={"reception_number": "A-002"})
        assert (
            applications.store(engine, [changed])[(old.kiosk_id, old.id)].status
            is SubmissionStatus.REJECTED
        )
    finally:
        engine.dispose()


@pytest.mark.parametrize("start", [version for version, _, _ in MIGRATIONS[:-1]] + [0])
def test_a_database_at_every_earlier_version_upgrades(backend_database, start):  # noqa: F811
    engine = db.connect(backend_database, migrate=False)
    try:
        old = submitted()
        if start:
            assert migrate(engine, target=start) == start
            with engine.begin() as connection:
                insert_version_1_row(connection, old)
                if start >= 2:  # from version 2 on, rows carry their fingerprint
                    connection.execute(
                        text("UPDATE applications SET body_sha256 = :hash WHERE id = :id"),
                        {"hash": body_sha256(old.model_dump()), "id": old.id},
                    )
        assert applied_version(engine) == start
        assert migrate(engine) == LATEST
        assert migrate(engine) == LATEST  # a second start changes nothing
        with engine.connect() as connection:
            versions = connection.execute(
                text("SELECT version FROM schema_migrations ORDER BY version")
            ).scalars()
            assert list(versions) == [version for version, _, _ in MIGRATIONS]

        # Everything the current code does works on the upgraded schema.
        if start:
            assert (
                applications.store(engine, [old])[(old.kiosk_id, old.id)].status
                is SubmissionStatus.DUPLICATE
            )
        fresh = submitted()
        assert (
            applications.store(engine, [fresh])[(fresh.kiosk_id, fresh.id)].status
            is SubmissionStatus.CREATED
        )
        assert applications.set_status(engine, fresh.id, StaffStatus.DONE)["staff_status"] == "完了"
        token = tokens.issue(engine, "staff", "clerk")
        assert tokens.authenticate(engine, token) == tokens.Principal(
            tokens.TokenKind.STAFF, "clerk"
        )
        kiosk_health.record(engine, heartbeat())
        assert kiosk_health.kiosks(engine)[0]["alerts"][0]["kind"] == "staff_call"
    finally:
        engine.dispose()


def heartbeat() -> Heartbeat:
    now = datetime.now(UTC)
    return Heartbeat(
        kiosk_id="kiosk-01",
        app_version="0.1.0",
        catalog_version="x",
        queue_depth=0,
        quarantined=0,
        alerts=[{"kind": "staff_call", "at": now}],
        sent_at=now,
    )


def test_a_database_from_a_newer_backend_is_refused(backend_database):  # noqa: F811
    engine = db.connect(backend_database)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO schema_migrations VALUES (:v, 'from the future', 'x')"),
                {"v": LATEST + 1},
            )
        with pytest.raises(SchemaTooNew, match="newer than this backend"):
            migrate(engine)
    finally:
        engine.dispose()


def test_backends_starting_together_migrate_once(backend_database):  # noqa: F811
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def start_backend():
        start.wait()
        try:
            db.connect(backend_database).dispose()
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=start_backend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = db.connect(backend_database, migrate=False)
    try:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM schema_migrations")).scalar()
        assert count == LATEST
    finally:
        engine.dispose()


def test_tokens_are_stored_as_hashes_only(backend_database, tmp_path):  # noqa: F811
    staff = issue_token(backend_database, "staff", "clerk")
    kiosk = issue_token(backend_database, "kiosk", "kiosk-07")
    engine = db.connect(backend_database)
    try:
        assert tokens.authenticate(engine, kiosk) == tokens.Principal(
            tokens.TokenKind.KIOSK, "kiosk-07"
        )
        assert tokens.authenticate(engine, kiosk + "x") is None
        assert tokens.authenticate(engine, "") is None
        with engine.connect() as connection:
            stored = [tuple(row) for row in connection.execute(select(db.tokens))]
        dump = json.dumps([[str(value) for value in row] for row in stored])
        assert staff not in dump and kiosk not in dump
        assert tokens.revoke(engine, "kiosk", "kiosk-07") == 1
        assert tokens.authenticate(engine, kiosk) is None
    finally:
        engine.dispose()
    if backend_database.startswith("sqlite"):
        files = b"".join(path.read_bytes() for path in tmp_path.glob("backend-test.sqlite3*"))
        assert staff.encode() not in files and kiosk.encode() not in files


def test_a_local_kiosk_keeps_its_token_in_a_private_file(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_BACKEND_DATABASE_URL", raising=False)
    paths = BackendPaths(tmp_path / "backend")
    token = kiosk_token(paths, "kiosk-01")
    token_file = paths.local_kiosks / "kiosk-01.token"
    assert token_file.read_text().strip() == token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert kiosk_token(paths, "kiosk-01") == token  # registered: the same one again
    assert local_kiosk_token(paths, "kiosk-01", token_file) == token

    paths.database.unlink()  # a new database no longer knows it: a new token is issued
    renewed = kiosk_token(paths, "kiosk-01")
    assert renewed != token and token_file.read_text().strip() == renewed
    assert token.encode() not in paths.database.read_bytes()


def test_the_first_backends_plaintext_tokens_are_imported_and_removed(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_BACKEND_DATABASE_URL", raising=False)
    paths = BackendPaths(tmp_path / "backend")
    paths.root.mkdir(parents=True)
    paths.legacy_tokens.write_text(json.dumps({"kiosk-01": "legacy-token-of-kiosk-one"}))
    assert kiosk_token(paths, "kiosk-01") == "legacy-token-of-kiosk-one"
    assert not paths.legacy_tokens.exists()
    engine = db.connect(f"sqlite:///{paths.database}")
    try:
        principal = tokens.authenticate(engine, "legacy-token-of-kiosk-one")
        assert principal == tokens.Principal(tokens.TokenKind.KIOSK, "kiosk-01")
    finally:
        engine.dispose()
    assert b"legacy-token-of-kiosk-one" not in paths.database.read_bytes()


def test_the_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    from backend.paths import database_url

    paths = BackendPaths(tmp_path)
    monkeypatch.delenv("KIOSK_BACKEND_DATABASE_URL", raising=False)
    assert database_url(paths) == f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    monkeypatch.setenv("KIOSK_BACKEND_DATABASE_URL", "postgresql+psycopg://db/madoguchi")
    assert database_url(paths) == "postgresql+psycopg://db/madoguchi"
    assert database_url(paths, "sqlite:////elsewhere.db") == "sqlite:////elsewhere.db"
