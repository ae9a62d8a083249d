"""The SQLite store: one transaction per application, numbers, migrations, the outbox's
states, retention, staff alerts, integrity check and a full disk."""

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.store import MIGRATIONS, KioskStore, StoreError
from kiosk.store_schema import apply_migration

DATA = Path(__file__).parent / "data"
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


def rows(store: KioskStore, sql: str) -> list[dict]:
    cursor = store.db.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def insert(db: sqlite3.Connection, table: str, row: dict) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))


def test_finalize_writes_application_outbox_audit_and_number(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    application = finalize(store)
    row = store.application(application.id)
    assert row["reception_number"] == "A-001" == str(application.reception_number)
    assert row["sealed"] == b"sealed"
    assert store.outbox_ids() == [application.id]
    audit = rows(store, "SELECT action, application_id FROM audit ORDER BY id")
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
    path = tmp_path / "old.sqlite3"
    old = old_database(path, 1)
    insert(
        old,
        "applications",
        {
            "id": "a1",
            "reception_number": "A-001",
            "procedure_id": "p",
            "procedure_version": 1,
            "created_at": "2026-11-01T09:00:00",
            "practice": 0,
            "sealed": b"x",
            "status": "finalized",
        },
    )
    insert(
        old,
        "outbox",
        {
            "application_id": "a1",
            "queued_at": "2026-11-01T09:00:00",
            "attempts": 0,
            "last_error": None,
        },
    )
    old.close()
    store = KioskStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [row["id"] for row in store.queued_for_sync(10)] == ["a1"]
    assert store.sync_counts() == {"queued": 1, "quarantined": 0}


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_every_earlier_schema_upgrades_to_the_current_one(tmp_path, version):
    """A database made by each earlier kiosk version opens, upgrades and keeps its rows."""
    path = tmp_path / f"v{version}.sqlite3"
    old = old_database(path, version)
    insert(
        old,
        "applications",
        {
            "id": "a1",
            "reception_number": "A-001",
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": "2026-11-01T09:00:00",
            "practice": 0,
            "sealed": b"x",
            "status": "finalized",
        },
    )
    old.close()
    store = KioskStore(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.application("a1")["reception_number"] == "A-001"
    store.keep_receipt("a1", '{"application_id": "a1", "blocks": []}')  # schema 3 works
    assert store.last_receipt() == ("a1", '{"application_id": "a1", "blocks": []}')
    store.close()


def old_database(path, version: int) -> sqlite3.Connection:
    """A database exactly as the kiosk of schema `version` left it (its own migrations)."""
    old = sqlite3.connect(path, isolation_level=None)
    for earlier in range(1, version + 1):
        apply_migration(old, earlier)
    old.execute(f"PRAGMA user_version={version}")
    return old


def add_application(db: sqlite3.Connection, app_id: str, outbox: dict | None = None) -> None:
    insert(
        db,
        "applications",
        {
            "id": app_id,
            "reception_number": "A-00" + app_id[-1],
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": "2026-11-01T09:00:00",
            "practice": 0,
            "sealed": b"x",
            "status": "finalized",
        },
    )
    if outbox is not None:
        insert(
            db,
            "outbox",
            {"application_id": app_id, "queued_at": "2026-11-01T09:00:0" + app_id[-1]}
            | {"attempts": 1, "last_error": None}
            | outbox,
        )


@pytest.mark.parametrize("version", range(2, 4))
def test_migration_4_renames_rejected_to_quarantined_keeping_the_reason(tmp_path, version):
    old = old_database(tmp_path / "old.sqlite3", version)
    add_application(old, "a1", {"state": "queued"})
    add_application(old, "a2", {"state": "rejected", "last_error": "key does not open it"})
    old.close()
    store = KioskStore(tmp_path / "old.sqlite3")
    assert store.sync_counts() == {"queued": 1, "quarantined": 1}
    [item] = store.quarantined()
    assert (item.application_id, item.reason) == ("a2", "key does not open it")
    assert [row["id"] for row in store.queued_for_sync(10)] == ["a1"]
    assert store.next_attempt_at() is None and store.pending_alerts() == []
    assert store.sync_state() == {}


def test_quarantine_and_requeue_one_or_all(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    first, second, third = (finalize(store).id for _ in range(3))
    store.quarantine(first, "refused: other kiosk")
    store.quarantine(second, "refused: cannot be opened")
    assert [row["id"] for row in store.queued_for_sync(10)] == [third]
    assert [(q.application_id, q.reason) for q in store.quarantined()] == [
        (first, "refused: other kiosk"),
        (second, "refused: cannot be opened"),
    ]
    assert store.requeue(second) == 1
    assert store.requeue("no-such-id") == 0
    assert store.sync_counts() == {"queued": 2, "quarantined": 1}
    assert store.requeue() == 1
    assert store.sync_counts() == {"queued": 3, "quarantined": 0}
    actions = [row["action"] for row in rows(store, "SELECT action FROM audit")]
    assert actions.count("application_quarantined") == 2
    assert actions.count("application_requeued") == 2


def test_a_failed_request_defers_the_whole_queue_until_a_success(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    first = finalize(store).id
    later = NOW + timedelta(seconds=30)
    store.defer([first], later, "backend answered HTTP 503")
    finalize(store)  # queued after the failure: waits as long, the backend is still unwell
    assert store.next_attempt_at() == later
    assert store.last_sync_error() == "backend answered HTTP 503"
    assert count(store, "outbox WHERE attempts = 1") == 1
    store.clear_backoff()
    assert store.next_attempt_at() is None and store.last_sync_error() is None


@pytest.mark.parametrize(("days", "purged_after"), [(30, 31), (0, 0)])
def test_sealed_answers_are_purged_after_the_retention_period(tmp_path, days, purged_after):
    store = KioskStore(tmp_path / "k.sqlite3", retention_days=days)
    acknowledged, waiting = finalize(store), finalize(store)
    store.keep_receipt(acknowledged.id, '{"application_id": "x", "blocks": []}')
    store.acknowledge(acknowledged.id, now=NOW)
    if days:
        assert store.purge_acknowledged(NOW + timedelta(days=days - 1)) == 0
        assert store.application(acknowledged.id)["sealed"] == b"sealed"
    assert store.purge_acknowledged(NOW + timedelta(days=purged_after)) == 1
    row = store.application(acknowledged.id)
    assert row["sealed"] is None and row["purged_at"]
    assert row["reception_number"] == "A-001"  # the clear metadata stays for reprints
    assert store.receipt_layout(acknowledged.id)
    assert store.application(waiting.id)["sealed"] == b"sealed"  # never before it is acked
    assert store.purge_acknowledged(NOW + timedelta(days=400)) == 0


def test_staff_alerts_wait_until_forgotten(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    store.record_alert("staff_call", "review", at=NOW)
    store.record_alert("printer_paper_out", "printer", at=NOW)
    pending = store.pending_alerts()
    assert [(a["kind"], a["detail"]) for a in pending] == [
        ("staff_call", "review"),
        ("printer_paper_out", "printer"),
    ]
    store.forget_alerts([pending[0]["id"]])
    assert [a["kind"] for a in store.pending_alerts()] == ["printer_paper_out"]


def test_sync_state_keeps_values_and_deletes_none(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    store.set_sync_state(last_error="HTTP 503", catalog_version="abc")
    store.set_sync_state(last_error=None)
    assert store.sync_state() == {"catalog_version": "abc"}


def damage(path):
    """Overwrite the middle of the file: pages SQLite can still open but not trust."""
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 16, len(data) - 64, 512):
        data[offset : offset + 48] = b"\xff" * 48
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["garbage", "pages"])
def test_a_damaged_database_stops_the_kiosk_with_the_way_out(tmp_path, how):
    path = tmp_path / "k.sqlite3"
    store = KioskStore(path)
    for _ in range(20):
        finalize(store)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    if how == "garbage":
        path.write_bytes(b"this is not a database" * 400)
    else:
        damage(path)
    before = path.read_bytes()
    with pytest.raises(StoreError) as raised:
        KioskStore(path)
    message = str(raised.value)
    assert str(path) in message and "damaged" in message
    assert "KIOSK_RECOVER_DAMAGED_STORE=1" in message
    assert path.read_bytes() == before  # nothing was changed without the technician

    fresh = KioskStore(path, recover_damaged=True)
    assert fresh.schema_version == len(MIGRATIONS) and fresh.outbox_ids() == []
    [kept] = tmp_path.glob("k.sqlite3.damaged-*")
    assert kept.read_bytes() == before


def test_a_full_disk_during_finalize_keeps_nothing(tmp_path):
    store = KioskStore(tmp_path / "k.sqlite3")
    finalize(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count={pages}")  # the disk is now "full"
    with pytest.raises(StoreError, match="disk is full"):
        finalize(store, seal=lambda app_id: b"s" * 200_000)
    assert count(store, "applications") == count(store, "outbox") == 1
    assert count(store, "audit") == 1
    store.db.execute("PRAGMA max_page_count=1073741823")
    assert str(finalize(store).reception_number) == "A-002"  # no number was used up


def schema(db: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    ]


def test_a_new_database_has_the_schema_kiosks_in_the_field_hold(tmp_path):
    """tests/data/kiosk_schema_4.sql is the schema the migrations made when sqlite-utils wrote
    them: the frozen statements that replaced it must make the same tables, byte for byte
    (versions after 4 were written as frozen SQL from the start)."""
    recorded = (DATA / "kiosk_schema_4.sql").read_text(encoding="utf-8")
    db = sqlite3.connect(tmp_path / "new.sqlite3")
    for version in range(1, 5):
        apply_migration(db, version)
    assert ";\n".join(schema(db)) + ";\n" == recorded
    db.close()


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_an_upgraded_database_has_the_same_schema_as_a_new_one(tmp_path, version):
    old_database(tmp_path / "old.sqlite3", version).close()
    upgraded = KioskStore(tmp_path / "old.sqlite3")
    new = KioskStore(tmp_path / "new.sqlite3")
    assert schema(upgraded.db) == schema(new.db)
