"""When a kiosk's sync brings an application a clerk already opened from its sealed receipt QR.

It is the same application (same kiosk, same id): one row, never a second. Same answers, same
number, same moment: the row takes the kiosk's own sealed body and the 未同期 mark goes.
Different answers: the row staff opened stays as it is, the kiosk's body is kept beside it and
flagged for staff (console and audit), never silently replaced; the kiosk is told it is stored,
so it does not quarantine an application the backend holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from sqlalchemy import Connection, update

from backend import audit
from backend.db import applications
from core.sealing import SealingError
from core.wire import SubmissionStatus

# (sealed envelope, application id) → the opened payload; SealingError if it does not open.
PayloadOpener = Callable[[str, str], dict]

STORED_COLUMNS = (
    applications.c.id,
    applications.c.kiosk_id,
    applications.c.body_sha256,
    applications.c.reception_number,
    applications.c.procedure_id,
    applications.c.procedure_version,
    applications.c.created_at,
    applications.c.sealed,
    applications.c.unsynced,
    applications.c.sync_differs,
    applications.c.synced_sealed,
)
SYNC_WHO = "kiosk:{kiosk_id}"


def from_receipt(stored: dict) -> bool:
    """A row opened from a receipt QR, whose kiosk has not synced it yet, or whose sync brought
    a different body (then the same body again is a duplicate, not a refusal)."""
    return bool(stored["unsynced"]) or bool(stored["sync_differs"])


def _same(incoming: dict, stored: dict, opener: PayloadOpener) -> bool:
    created = incoming["created_at"].astimezone(UTC)
    if (
        incoming["reception_number"] != stored["reception_number"]
        or incoming["procedure_id"] != stored["procedure_id"]
        or int(incoming["procedure_version"]) != int(stored["procedure_version"])
        or created != stored["created_at"].astimezone(UTC)
    ):
        return False
    try:
        synced, scanned = (
            opener(incoming["sealed"], incoming["id"]),
            opener(stored["sealed"], stored["id"]),
        )
    except SealingError:
        return False
    # The answers and what they answer; version and kiosk were compared on the row already
    # (a sealed payload may leave them out).
    return (synced["procedure"], synced["answers"]) == (scanned["procedure"], scanned["answers"])


def reconcile(
    connection: Connection, incoming: dict, stored: dict, opener: PayloadOpener | None
) -> SubmissionStatus | None:
    """The outcome for the kiosk, the row updated in the caller's transaction; None when the
    incoming body cannot be matched at all (no opener): it is then refused as before."""
    if opener is None:
        return None
    key = (
        applications.c.kiosk_id == stored["kiosk_id"],
        applications.c.id == stored["id"],
    )
    if stored["sync_differs"]:
        # Already flagged: the same differing body again (a lost acknowledgement) is a
        # duplicate; yet another body is refused like any other.
        if stored["synced_sealed"] == incoming["sealed"]:
            return SubmissionStatus.DUPLICATE
        return None
    if _same(incoming, stored, opener):
        connection.execute(
            update(applications)
            .where(*key)
            .values(
                sealed=incoming["sealed"],
                body_sha256=incoming["body_sha256"],
                created_at=incoming["created_at"],
                unsynced=0,
            )
        )
        detail = {"via": "sync", "same": True}
    else:
        connection.execute(
            update(applications)
            .where(*key)
            .values(unsynced=0, sync_differs=1, synced_sealed=incoming["sealed"])
        )
        detail = {"via": "sync", "same": False}
    audit.append(
        connection,
        who=SYNC_WHO.format(kiosk_id=stored["kiosk_id"]),
        action=audit.Action.RECEIPT_SYNCED,
        kiosk_id=stored["kiosk_id"],
        application_id=stored["id"],
        detail=detail,
    )
    return SubmissionStatus.CREATED
