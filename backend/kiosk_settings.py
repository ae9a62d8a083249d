"""Settings an administrator pushes to kiosks: one fleet-wide set, one set per kiosk.

Stored as the JSON of core.pushed_settings.PushedSettings (table pushed_settings, migration
17); a kiosk receives its merged set (fleet-wide, then its own, field by field) with every
heartbeat reply. Written from the staff console (backend/console/kiosk_settings_pages.py),
audited in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Column, Engine, String, Table, Text, delete, insert, select

from backend import audit
from backend.db import WRITE, UtcTimestamp, metadata
from core.pushed_settings import PushedSettings, merge

log = logging.getLogger(__name__)

# The fleet-wide row's scope; a kiosk's row has its id (which never holds "*").
FLEET = "*"
AUDIT_ACTION = audit.Action.KIOSK_SETTINGS

pushed_settings = Table(
    "pushed_settings",
    metadata,
    Column("scope", String(40), primary_key=True),
    Column("settings", Text, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    Column("updated_by", Text, nullable=False),
)


@dataclass(frozen=True)
class StoredSettings:
    settings: PushedSettings
    updated_at: datetime | None = None
    updated_by: str = ""


def _parsed(scope: str, raw: str) -> PushedSettings:
    """A row a newer or damaged backend wrote that this one cannot read counts as empty
    (logged): a kiosk's heartbeat must never fail over it."""
    try:
        return PushedSettings.model_validate_json(raw)
    except ValidationError:
        log.error("pushed settings of %s are not readable; treated as none", scope)
        return PushedSettings()


def read(engine: Engine, scope: str) -> StoredSettings:
    """The settings stored for scope (FLEET or a kiosk id); an empty set when none are."""
    with engine.connect() as connection:
        row = (
            connection.execute(select(pushed_settings).where(pushed_settings.c.scope == scope))
            .mappings()
            .first()
        )
    if row is None:
        return StoredSettings(PushedSettings())
    return StoredSettings(_parsed(scope, row["settings"]), row["updated_at"], row["updated_by"])


def layers(engine: Engine, kiosk_id: str) -> tuple[PushedSettings, PushedSettings]:
    """(fleet-wide, this kiosk's own), in one query."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(pushed_settings.c.scope, pushed_settings.c.settings).where(
                pushed_settings.c.scope.in_((FLEET, kiosk_id))
            )
        ).all()
    found = {scope: _parsed(scope, raw) for scope, raw in rows}
    return found.get(FLEET, PushedSettings()), found.get(kiosk_id, PushedSettings())


def effective(engine: Engine, kiosk_id: str) -> PushedSettings:
    """What the kiosk gets with its heartbeat reply: fleet-wide, then its own."""
    return merge(*layers(engine, kiosk_id))


def write(
    engine: Engine,
    scope: str,
    settings: PushedSettings,
    *,
    who: str,
    address: str | None = None,
) -> None:
    """Replace scope's settings (an empty set removes the row) and audit it, in one
    transaction. The audit detail names the settings set, never more than their values."""
    now = datetime.now(UTC)
    detail: dict[str, Any] = {"scope": "fleet" if scope == FLEET else "kiosk"}
    detail["settings"] = settings.values()
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(delete(pushed_settings).where(pushed_settings.c.scope == scope))
        if settings.values():
            connection.execute(
                insert(pushed_settings).values(
                    scope=scope, settings=settings.to_json(), updated_at=now, updated_by=who
                )
            )
        audit.append(
            connection,
            who=who,
            action=AUDIT_ACTION,
            kiosk_id=None if scope == FLEET else scope,
            detail=detail,
            at=now,
            address=address,
        )
    log.info("%s changed the pushed settings of %s", who, detail["scope"])
