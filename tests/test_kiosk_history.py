"""Heartbeat storage stays bounded (backend/kiosk_history.py): the latest state per kiosk, and a
history of changes capped per kiosk, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from backend import db, kiosk_health
from backend.kiosk_history import HISTORY_KEPT, state_history
from backend.migrations import migrate
from core.wire import Heartbeat
from tests.postgres import backend_database, postgres_server  # noqa: F401

BASE = datetime.now(UTC) - timedelta(days=1)  # sent before the server's clock: taken as is


def beat(number: int, printer: str, kiosk_id: str = "kiosk-01") -> Heartbeat:
    return Heartbeat(
        kiosk_id=kiosk_id,
        app_version="1.0",
        catalog_version="c1",
        queue_depth=0,
        quarantined=0,
        devices={"printer": printer, "scanner": "ok"},
        sent_at=BASE + timedelta(seconds=number),
    )


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_kiosk_changing_state_for_ever_keeps_the_latest_state_and_a_capped_history(
    backend_database,  # noqa: F811
):
    engine = db.connect(backend_database)
    states = ("ok", "paper_near_end")
    changes = HISTORY_KEPT + 30
    for number in range(changes):
        kiosk_health.record(engine, beat(number, states[number % 2]))
    kiosk_health.record(engine, beat(0, "paper_out", "kiosk-02"))
    assert count(engine, db.kiosk_status) == 2
    assert count(engine, db.kiosk_state_history) == HISTORY_KEPT + 1
    newest = state_history(engine, "kiosk-01", limit=HISTORY_KEPT + 10)
    assert len(newest) == HISTORY_KEPT  # the cap, per kiosk
    assert newest[0]["devices"]["printer"] == states[(changes - 1) % 2]
    assert newest[-1]["sent_at"] == BASE + timedelta(seconds=changes - HISTORY_KEPT)
    assert [row["devices"]["printer"] for row in state_history(engine, "kiosk-02")] == ["paper_out"]
    engine.dispose()


def test_heartbeats_that_change_nothing_or_come_late_add_no_history(
    backend_database,  # noqa: F811
):
    engine = db.connect(backend_database)
    for number in range(50):  # a quiet kiosk, a heartbeat a minute
        kiosk_health.record(engine, beat(number * 60, "ok"))
    kiosk_health.record(engine, beat(10_000, "paper_near_end"))
    kiosk_health.record(engine, beat(9_000, "paper_out"))  # older than the stored state
    history = state_history(engine, "kiosk-01")
    assert [row["devices"]["printer"] for row in history] == ["paper_near_end", "ok"]
    assert count(engine, db.kiosk_status) == 1
    engine.dispose()


def test_the_history_begins_with_the_state_each_kiosk_last_reported(
    backend_database,  # noqa: F811
):
    engine = db.connect(backend_database, migrate=False)
    migrate(engine, target=13)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO kiosk_status VALUES ('kiosk-07', :at, :at, '1.0', 'c1', 0, 0,"
                " :devices)"
            ),
            {"at": db.format_utc(BASE), "devices": '{"printer": "ok", "scanner": "ok"}'},
        )
    migrate(engine)
    [row] = state_history(engine, "kiosk-07")
    assert row["devices"] == {"printer": "ok", "scanner": "ok"} and row["received_at"] == BASE
    kiosk_health.record(engine, beat(60, "ok", "kiosk-07"))  # the same state, a minute later
    assert len(state_history(engine, "kiosk-07")) == 1
    kiosk_health.record(engine, beat(120, "paper_out", "kiosk-07"))
    assert len(state_history(engine, "kiosk-07")) == 2
    engine.dispose()
