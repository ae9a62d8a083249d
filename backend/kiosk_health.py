"""What kiosks report about themselves: the latest heartbeat per kiosk (an upsert) and the
alerts they forward (appended), for the staff's kiosk health view.

A heartbeat is taken at its word only as far as the server's clock allows:
- its state replaces the stored one only when it was sent later than the stored one, so a
  heartbeat sent again (a replay, a reply lost on the way) changes nothing; both moments are
  compared no later than the moment the server received them, so a kiosk whose clock ran
  ahead is heard again once its clock is put right;
- each alert is kept once per kiosk (keyed by kind, the kiosk's time and detail) and never
  later than the moment it arrived, so a kiosk's future clock cannot keep it on top;
- alerts are bounded per heartbeat by the wire model and per kiosk here (the newest
  ALERTS_KEPT are kept).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import WRITE, format_utc, is_postgresql, kiosk_alerts, kiosk_status
from core.wire import Heartbeat

RECENT_ALERTS = 20
ALERTS_KEPT = 1000  # per kiosk; the same number migration 6 kept


def alert_key(kind: str, at: datetime, detail: str) -> str:
    """The identity of an alert as the kiosk reported it (the same form as migration 6)."""
    canonical = json.dumps([kind, format_utc(at), detail], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(engine: Engine, heartbeat: Heartbeat) -> datetime:
    """Store one heartbeat; returns the moment it was received (the kiosk's last_seen)."""
    now = datetime.now(UTC)
    postgres = is_postgresql(engine)
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    # The smaller of two moments, in SQL (the columns are UTC text of one width: text order is
    # time order); SQLite's two-argument min() is PostgreSQL's least().
    least = func.least if postgres else func.min
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
    upsert = dialect_insert(kiosk_status).values(values)
    upsert = upsert.on_conflict_do_update(
        index_elements=[kiosk_status.c.kiosk_id],
        set_={name: upsert.excluded[name] for name in values if name != "kiosk_id"},
        # Only a later heartbeat: one decision in the database, so two copies of a heartbeat
        # arriving together cannot both pass a check made before the write.
        where=least(upsert.excluded.sent_at, upsert.excluded.last_seen)
        > least(kiosk_status.c.sent_at, kiosk_status.c.last_seen),
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(upsert)
        if heartbeat.alerts:
            rows = {}
            for alert in heartbeat.alerts:
                key = alert_key(alert.kind, alert.at, alert.detail)
                rows[key] = {
                    "kiosk_id": heartbeat.kiosk_id,
                    "kind": alert.kind,
                    "at": min(alert.at, now),
                    "detail": alert.detail,
                    "received_at": now,
                    "alert_key": key,
                }
            connection.execute(
                dialect_insert(kiosk_alerts).on_conflict_do_nothing(
                    index_elements=[kiosk_alerts.c.kiosk_id, kiosk_alerts.c.alert_key]
                ),
                list(rows.values()),
            )
            _prune(connection, heartbeat.kiosk_id)
    return now


def _prune(connection: Connection, kiosk_id: str) -> None:
    """Keep the newest ALERTS_KEPT alerts of this kiosk."""
    kept = (
        select(kiosk_alerts.c.id)
        .where(kiosk_alerts.c.kiosk_id == kiosk_id)
        .order_by(kiosk_alerts.c.at.desc(), kiosk_alerts.c.id.desc())
        .limit(ALERTS_KEPT)
    )
    # A cheap count first: nearly always there is nothing to delete.
    total = connection.execute(
        select(func.count()).select_from(kiosk_alerts).where(kiosk_alerts.c.kiosk_id == kiosk_id)
    ).scalar_one()
    if total > ALERTS_KEPT:
        connection.execute(
            delete(kiosk_alerts).where(
                and_(kiosk_alerts.c.kiosk_id == kiosk_id, kiosk_alerts.c.id.not_in(kept))
            )
        )


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
