"""Pushed settings on the backend (backend/kiosk_settings.py, migration 17) on SQLite and
PostgreSQL: a database at 16 upgrades, the fleet-wide and per-kiosk sets are stored, merged
(per kiosk wins field by field), audited, and come back in the heartbeat reply."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from backend import audit, db, kiosk_settings
from backend.migrations import LATEST, migrate
from core.pushed_settings import PushedSettings
from tests.postgres import backend_database, postgres_server  # noqa: F401


def test_migration_17_adds_the_table_to_a_database_at_16(backend_database):  # noqa: F811
    engine = db.connect(backend_database, migrate=False)
    try:
        assert migrate(engine, target=16) == 16
        assert "pushed_settings" not in inspect(engine).get_table_names()
        assert migrate(engine) == LATEST >= 17
        assert "pushed_settings" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            name = connection.execute(
                text("SELECT name FROM schema_migrations WHERE version = 17")
            ).scalar()
        assert name == "settings pushed to kiosks"
    finally:
        engine.dispose()


def test_fleet_and_kiosk_settings_are_stored_merged_and_audited(backend_database):  # noqa: F811
    engine = db.connect(backend_database)
    try:
        assert kiosk_settings.effective(engine, "kiosk-01").values() == {}
        kiosk_settings.write(
            engine,
            kiosk_settings.FLEET,
            PushedSettings(practice=True, idle_quiet_s=120, text_size="large"),
            who="console:admin",
            address="127.0.0.1",
        )
        kiosk_settings.write(
            engine,
            "kiosk-01",
            PushedSettings(text_size="largest", out_of_service_message="点検中です"),
            who="console:admin",
        )
        assert kiosk_settings.effective(engine, "kiosk-01").values() == {
            "practice": True,
            "idle_quiet_s": 120.0,
            "text_size": "largest",
            "out_of_service_message": "点検中です",
        }
        # Another kiosk gets the fleet-wide set only.
        assert kiosk_settings.effective(engine, "kiosk-02").text_size == "large"
        stored = kiosk_settings.read(engine, "kiosk-01")
        assert stored.updated_by == "console:admin"
        assert stored.updated_at is not None and stored.updated_at <= datetime.now(UTC)

        # Replaced whole: what the form no longer sets is no longer set.
        kiosk_settings.write(
            engine, "kiosk-01", PushedSettings(practice=False), who="console:admin"
        )
        assert kiosk_settings.effective(engine, "kiosk-01").values() == {
            "practice": False,
            "idle_quiet_s": 120.0,
            "text_size": "large",
        }
        kiosk_settings.write(engine, "kiosk-01", PushedSettings(), who="console:admin")
        assert kiosk_settings.read(engine, "kiosk-01").settings.values() == {}

        entries = audit.entries(engine, who="console:admin")
        assert len(entries) == 4
        assert {entry["action"] for entry in entries} == {kiosk_settings.AUDIT_ACTION}
        assert entries[-1]["kiosk_id"] is None  # the fleet-wide one, the first
        assert entries[-1]["address"] == "127.0.0.1"
    finally:
        engine.dispose()


def test_an_unreadable_row_counts_as_no_settings(backend_database, caplog):  # noqa: F811
    engine = db.connect(backend_database)
    try:
        with engine.begin() as connection:
            connection.execute(
                kiosk_settings.pushed_settings.insert().values(
                    scope="kiosk-03",
                    settings='{"idle_quiet_s": 1}',
                    updated_at=datetime.now(UTC),
                    updated_by="someone",
                )
            )
        assert kiosk_settings.effective(engine, "kiosk-03").values() == {}
        assert "not readable" in caplog.text
    finally:
        engine.dispose()
