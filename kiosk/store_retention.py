"""What the kiosk's store deletes once the backend has an application: its sealed answers, in
the application row and in a kept receipt (kiosk/store.py's purge_acknowledged runs this in
its write transaction)."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from core.receipt import receipt_from_json, receipt_to_json, without_sealed_answers

log = logging.getLogger(__name__)


def purge_sealed(db: sqlite3.Connection, cutoff: str, now: datetime) -> int:
    """Drop the sealed payloads of applications acknowledged at or before cutoff (ISO time);
    the clear metadata stays for reprints. Returns how many were purged."""
    # A kept receipt layout may carry the answers too (a sealed receipt QR): it keeps the
    # plain code instead, in the same transaction.
    kept = db.execute(
        "SELECT r.application_id, r.layout FROM receipts r JOIN applications a "
        "ON a.id = r.application_id WHERE a.acknowledged_at IS NOT NULL "
        "AND a.acknowledged_at <= ? AND a.sealed IS NOT NULL",
        [cutoff],
    ).fetchall()
    for application_id, layout in kept:
        try:
            plain = receipt_to_json(without_sealed_answers(receipt_from_json(layout)))
        except (ValueError, KeyError, TypeError):
            # Not a layout this kiosk wrote: it cannot hold a sealed code either.
            log.warning("receipt layout of %s is not readable; kept", application_id)
            continue
        if plain != layout:
            db.execute(
                "UPDATE receipts SET layout = ? WHERE application_id = ?",
                [plain, application_id],
            )
    cursor = db.execute(
        "UPDATE applications SET sealed = NULL, purged_at = ? "
        "WHERE acknowledged_at IS NOT NULL AND acknowledged_at <= ? "
        "AND sealed IS NOT NULL",
        [now.isoformat(), cutoff],
    )
    return cursor.rowcount
