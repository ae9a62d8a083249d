"""A capped history of what each kiosk reported: one row per change of its device states, app or
catalog version (a kiosk heartbeating every minute with nothing new adds no row), the newest
HISTORY_KEPT per kiosk, pruned in the heartbeat's own transaction.

With kiosk_status (one row per kiosk, the latest state) and kiosk_alerts (capped per kiosk in
backend/kiosk_health.py), a kiosk's heartbeats take bounded room however long it runs: at most
1 + HISTORY_KEPT + ALERTS_KEPT rows (docs/BACKEND.md, "Fleet scale", has the bytes).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, delete, func, insert, select

from backend.db import kiosk_state_history, kiosk_status

HISTORY_KEPT = 200  # per kiosk: months of a printer's paper running low and being refilled

_REPORTED = ("app_version", "catalog_version", "devices")


def previous_state(connection: Connection, kiosk_id: str) -> tuple | None:
    """What this kiosk reported last (None: never), read before its new heartbeat is stored."""
    row = connection.execute(
        select(*(kiosk_status.c[name] for name in _REPORTED)).where(
            kiosk_status.c.kiosk_id == kiosk_id
        )
    ).first()
    return None if row is None else tuple(row)


def note_change(connection: Connection, before: tuple | None, stored: dict) -> bool:
    """Append stored (a kiosk_status row just written) to the history when what it reports
    differs from before; keep the newest HISTORY_KEPT of its kiosk. True when appended."""
    if before == tuple(stored[name] for name in _REPORTED):
        return False
    kiosk_id = stored["kiosk_id"]
    connection.execute(
        insert(kiosk_state_history).values(
            kiosk_id=kiosk_id,
            received_at=stored["last_seen"],
            sent_at=stored["sent_at"],
            **{name: stored[name] for name in _REPORTED},
        )
    )
    total = connection.execute(
        select(func.count())
        .select_from(kiosk_state_history)
        .where(kiosk_state_history.c.kiosk_id == kiosk_id)
    ).scalar_one()
    if total > HISTORY_KEPT:
        # The oldest rows beyond the cap, by id (ids grow with time): usually exactly one.
        oldest = (
            select(kiosk_state_history.c.id)
            .where(kiosk_state_history.c.kiosk_id == kiosk_id)
            .order_by(kiosk_state_history.c.id)
            .limit(total - HISTORY_KEPT)
        )
        connection.execute(
            delete(kiosk_state_history).where(
                kiosk_state_history.c.id.in_(oldest.scalar_subquery())
            )
        )
    return True


def state_history(engine: Engine, kiosk_id: str, limit: int = 20) -> list[dict]:
    """This kiosk's latest reported changes, newest first (devices as a dict)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(kiosk_state_history)
            .where(kiosk_state_history.c.kiosk_id == kiosk_id)
            .order_by(kiosk_state_history.c.id.desc())
            .limit(limit)
        ).mappings()
        return [{**row, "devices": json.loads(row["devices"])} for row in rows]
