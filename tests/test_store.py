"""The SQLite store: one transaction per application, numbers, migrations."""

import sqlite3
from datetime import datetime, timedelta

import pytest

from kiosk.store import MIGRATIONS, KioskStore, StoreError

NOW = datetime(2026, 11, 26, 10, 0).astimezone()


def finalize(store: KioskStore, practice=False, now=NOW, seal=lambda app_id: b"sealed"):
    return store.finalize(
        procedure_id="juminhyo",
        procedure_version=1,
        letter="A",
        seal=seal,
        practice=practice,
        now=now,
    )


def count(store: KioskStore, table: str) -> int:
    return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_finalize_writes_application_outbox_audit_and_number(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    application = finalize(store)
    row = store.application(application.id)
    assert row["reception_number"] == "A-001" == str(application.reception_number)
    assert row["sealed"] == b"sealed"
    assert store.outbox_ids() == [application.id]
    audit = list(store.db["audit"].rows)
    assert [(a["action"], a["application_id"]) for a in audit] == [
        ("application_finalized", application.id)
    ]


def test_numbers_count_up_per_day_and_restart_the_next_day(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    numbers = [str(finalize(store).reception_number) for _ in range(3)]
    assert numbers == ["A-001", "A-002", "A-003"]
    assert str(finalize(store, now=NOW + timedelta(days=1)).reception_number) == "A-001"


def test_a_failure_inside_the_transaction_leaves_nothing(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    store.db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON audit "
        "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    with pytest.raises(StoreError, match="could not be saved"):
        finalize(store)
    assert count(store, "applications") == count(store, "outbox") == 0
    assert count(store, "reception_counter") == 0
    store.db.execute("DROP TRIGGER refuse")
    assert str(finalize(store).reception_number) == "A-001"  # no number was used up


def test_practice_applications_never_reach_the_outbox(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    application = finalize(store, practice=True, seal=lambda app_id: None)
    assert store.application(application.id)["practice"] == 1
    assert store.outbox_ids() == []


def test_wal_and_full_sync_are_on(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reopening_keeps_data_and_schema(tmp_path):
    path = tmp_path / "k.sqlite3"
    store = KioskStore(path)
    application = finalize(store)
    store.close()
    again = KioskStore(path)
    assert again.schema_version == len(MIGRATIONS)
    assert again.application(application.id)["reception_number"] == "A-001"


def test_database_from_a_newer_kiosk_is_refused(tmp_path):
    path = tmp_path / "k.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer kiosk"):
        KioskStore(path)


def test_a_schema_1_database_upgrades_and_keeps_its_applications(tmp_path):
    import sqlite_utils

    from kiosk.store import _migration_1

    path = tmp_path / "old.sqlite3"
    old = sqlite_utils.Database(path)
    _migration_1(old)
    old.execute("PRAGMA user_version=1")
    old["applications"].insert(
        {
            "id": "a1",
            "reception_number": "A-001",
            "procedure_id": "p",
            "procedure_version": 1,
            "created_at": "2026-11-01T09:00:00",
            "practice": 0,
            "sealed": b"x",
            "status": "finalized",
        }
    )
    old["outbox"].insert(
        {
            "application_id": "a1",
            "queued_at": "2026-11-01T09:00:00",
            "attempts": 0,
            "last_error": None,
        }
    )
    old.conn.close()
    store = KioskStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [row["id"] for row in store.queued_for_sync(10)] == ["a1"]
    assert store.sync_counts() == {"queued": 1, "rejected": 0}


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_every_earlier_schema_upgrades_to_the_current_one(tmp_path, version):
    """A database made by each earlier kiosk version opens, upgrades and keeps its rows."""
    import sqlite_utils

    path = tmp_path / f"v{version}.sqlite3"
    old = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:version]:
        migration(old)
    old.execute(f"PRAGMA user_version={version}")
    old["applications"].insert(
        {
            "id": "a1",
            "reception_number": "A-001",
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": "2026-11-01T09:00:00",
            "practice": 0,
            "sealed": b"x",
            "status": "finalized",
        }
    )
    old.conn.close()
    store = KioskStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.application("a1")["reception_number"] == "A-001"
    store.keep_receipt("a1", '{"application_id": "a1", "blocks": []}')  # schema 3 works
    assert store.last_receipt() == ("a1", '{"application_id": "a1", "blocks": []}')
    store.close()
