"""The fingerprint of a submitted application: what "the same body" means for idempotency.

A resend after a lost reply must match what was stored, so this canonical form is a contract:
changing it would turn every later resend into a rejection. The moment is normalized to UTC
so that 10:00+09:00 and 01:00Z (the same instant) count as the same body.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from backend.db import format_utc

BODY_FIELDS = (
    "id",
    "kiosk_id",
    "reception_number",
    "procedure_id",
    "procedure_version",
    "created_at",
    "sealed",
)


def body_sha256(fields: dict) -> str:
    """sha256 (hex) over the canonical JSON of an application's submitted fields."""
    canonical = {name: fields[name] for name in BODY_FIELDS}
    created = canonical["created_at"]
    created = created if isinstance(created, datetime) else datetime.fromisoformat(created)
    canonical["created_at"] = format_utc(created)
    canonical["procedure_version"] = int(canonical["procedure_version"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
