"""Migrations 5–8 keep what a version-4 database holds (issue 13): applications re-keyed by
(kiosk_id, id), alerts de-duplicated, clamped to their arrival and bounded per kiosk, and the
audit log and health probe added — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from backend import applications, audit, db, kiosk_health
from backend.bodyhash import body_sha256
from backend.db import format_utc
from backend.migrations import LATEST, migrate
from core.wire import Heartbeat, StaffStatus, SubmissionStatus, SubmittedApplication
from tests.postgres import backend_database, postgres_server  # noqa: F401

KEPT = 1000  # alerts per kiosk after migration 6


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


def insert_application(connection, application: SubmittedApplication, status: str) -> None:
    """A row as the version-4 backend wrote it (the id alone was the key)."""
    connection.execute(
        text(
            "INSERT INTO applications (id, kiosk_id, reception_number, procedure_id,"
            " procedure_version, created_at, received_at, sealed, body_sha256, staff_status)"
            " VALUES (:id, :kiosk_id, :reception_number, :procedure_id, :procedure_version,"
            " :created, :received, :sealed, :hash, :status)"
        ),
        {
            **application.model_dump(),
            "created": format_utc(application.created_at),
            "received": format_utc(datetime.now(UTC)),
            "hash": body_sha256(application.model_dump()),
            "status": status,
        },
    )


def insert_alert(connection, kind: str, at: datetime, received: datetime, detail="画面1"):
    connection.execute(
        text(
            "INSERT INTO kiosk_alerts (kiosk_id, kind, at, detail, received_at)"
            " VALUES ('kiosk-01', :kind, :at, :detail, :received)"
        ),
        {"kind": kind, "at": format_utc(at), "detail": detail, "received": format_utc(received)},
    )


def test_a_version_4_database_upgrades_and_keeps_its_data(backend_database):  # noqa: F811
    engine = db.connect(backend_database, migrate=False)
    try:
        assert migrate(engine, target=4) == 4
        old = submitted()
        now = datetime.now(UTC).replace(microsecond=0)
        with engine.begin() as connection:
            insert_application(connection, old, StaffStatus.IN_PROGRESS.value)
            for _ in range(3):  # a heartbeat replayed three times
                insert_alert(connection, "staff_call", now - timedelta(hours=1), now)
            # A kiosk whose clock ran a day ahead.
            insert_alert(connection, "printer_paper_out", now + timedelta(days=1), now)
            for minute in range(KEPT + 5):  # more than are kept
                moment = now - timedelta(days=2, minutes=minute)
                insert_alert(connection, "printer_cover_open", moment, moment, str(minute))
        assert migrate(engine) == LATEST

        kept = applications.one(engine, old.id)
        assert kept["kiosk_id"] == "kiosk-01" and kept["staff_status"] == StaffStatus.IN_PROGRESS
        assert kept["sealed"] == old.sealed
        key = (old.kiosk_id, old.id)
        assert applications.store(engine, [old])[key].status is SubmissionStatus.DUPLICATE
        # Another kiosk may now use the same id: it is its own application.
        theirs = old.model_copy(update={"kiosk_id": "kiosk-02", "reception_number": "B-001"})
        outcome = applications.store(engine, [theirs])[("kiosk-02", old.id)]
        assert outcome.status is SubmissionStatus.CREATED
        assert applications.one(engine, old.id, "kiosk-02")["reception_number"] == "B-001"

        with engine.connect() as connection:
            alerts = connection.execute(
                select(db.kiosk_alerts).order_by(db.kiosk_alerts.c.at.desc())
            ).all()
        assert len(alerts) == KEPT
        assert [row.kind for row in alerts].count("staff_call") == 1
        assert alerts[0].kind == "printer_paper_out" and alerts[0].at <= now  # brought back
        # The kiosk sends the alert it was not sure of again: it is recognised, not added.
        kiosk_health.record(
            engine,
            Heartbeat(
                kiosk_id="kiosk-01",
                app_version="0.1.0",
                catalog_version="x",
                queue_depth=0,
                quarantined=0,
                alerts=[{"kind": "staff_call", "at": now - timedelta(hours=1), "detail": "画面1"}],
                sent_at=datetime.now(UTC),
            ),
        )
        shown = kiosk_health.kiosks(engine)[0]["alerts"]
        assert [alert["kind"] for alert in shown].count("staff_call") == 1

        audit.append(engine, who="clerk", action="open", kiosk_id="kiosk-01", application_id=old.id)
        assert audit.entries(engine, application_id=old.id)[0]["who"] == "clerk"
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM health_probe")).scalar() == 0
    finally:
        engine.dispose()
