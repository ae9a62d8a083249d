"""What kiosks report about themselves: the latest heartbeat per kiosk (an upsert) and the
alerts they forward (appended), for the staff's kiosk health view."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import WRITE, is_postgresql, kiosk_alerts, kiosk_status
from core.wire import Heartbeat

RECENT_ALERTS = 20


def record(engine: Engine, heartbeat: Heartbeat) -> datetime:
    """Store one heartbeat; returns the moment it was received (the kiosk's last_seen)."""
    now = datetime.now(UTC)
    values = {
        "kiosk_id": heartbeat.kiosk_id,
        "last_seen": now,
        "sent_at": heartbeat.sent_at,
        "app_version": heartbeat.app_version,
        "catalog_version": heartbeat.catalog_version,
        "queue_depth": heartbeat.queue_depth,
        "quarantined": heartbeat.quarantined,
        "devices": json.dumps(heartbeat.devices, ensure_ascii=False, sort_keys=True),
    }
    dialect_insert = postgresql.insert if is_postgresql(engine) else sqlite.insert
    upsert = dialect_insert(kiosk_status).values(values)
    upsert = upsert.on_conflict_do_update(
        index_elements=[kiosk_status.c.kiosk_id],
        set_={name: upsert.excluded[name] for name in values if name != "kiosk_id"},
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(upsert)
        if heartbeat.alerts:
            connection.execute(
                insert(kiosk_alerts),
                [
                    {
                        "kiosk_id": heartbeat.kiosk_id,
                        "kind": alert.kind,
                        "at": alert.at,
                        "detail": alert.detail,
                        "received_at": now,
                    }
                    for alert in heartbeat.alerts
                ],
            )
    return now


def kiosks(engine: Engine, recent_alerts: int = RECENT_ALERTS) -> list[dict]:
    """Every kiosk that ever sent a heartbeat, by id, each with its latest alerts (newest first)."""
    with engine.connect() as connection:
        statuses = connection.execute(select(kiosk_status).order_by(kiosk_status.c.kiosk_id))
        found = []
        for row in statuses.mappings():
            alerts = connection.execute(
                select(kiosk_alerts.c.kind, kiosk_alerts.c.at, kiosk_alerts.c.detail)
                .where(kiosk_alerts.c.kiosk_id == row["kiosk_id"])
                .order_by(kiosk_alerts.c.at.desc(), kiosk_alerts.c.id.desc())
                .limit(recent_alerts)
            ).mappings()
            found.append(
                {**row, "devices": json.loads(row["devices"]), "alerts": [dict(a) for a in alerts]}
            )
        return found
