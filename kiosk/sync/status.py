"""What `kiosk sync status` and technician mode show about syncing: from the store only, so
a separate process (the CLI beside a running kiosk) sees what the kiosk's sync thread did."""

from __future__ import annotations

from kiosk.store import QUARANTINED, QUEUED, KioskStore


def sync_status(store: KioskStore) -> dict:
    counts = store.sync_counts()
    state = store.sync_state()
    skew = state.get("clock_skew_s")
    return {
        "pending": counts[QUEUED],
        "quarantined": counts[QUARANTINED],
        "last_success": state.get("last_success"),
        "last_acknowledged": store.last_acknowledged_at(),
        "last_error": state.get("last_error"),
        "next_attempt": state.get("next_attempt") if counts[QUEUED] else None,
        "catalog_version": state.get("catalog_version"),
        "catalog_error": state.get("catalog_error"),
        "catalog_next_pull": state.get("catalog_next_pull"),
        "clock_skew_s": float(skew) if skew is not None else None,
        "last_heartbeat": state.get("last_heartbeat"),
        "heartbeat_error": state.get("heartbeat_error"),
    }
