"""What kiosks report about themselves: the latest heartbeat per kiosk (an upsert), each change
of its state (backend/kiosk_history.py, capped per kiosk) and the alerts they forward
(appended, capped per kiosk), for the staff's kiosk health view.

A heartbeat is taken at its word only as far as the server's clock allows:
- its state replaces the stored one only when it was sent later than the stored one, so a
  heartbeat sent again (a replay, a reply lost on the way) changes nothing; both moments are
  compared no later than the moment the server received them, so a kiosk whose clock ran
  ahead is heard again once its clock is put right;
- each alert is kept once per kiosk (keyed by kind, the kiosk's time and detail) and never
  later than the moment it arrived, so a kiosk's future clock cannot keep it on top;
- alerts are bounded per heartbeat by the wire model and per kiosk here (the newest
  ALERTS_KEPT are kept).

For the staff console: kiosks as administrators registered them (register, rename), one row
per kiosk with its connection state (connection_state: online, late or offline by the time
since its last heartbeat), the alerts nobody acknowledged yet (open_alerts, for the banner on
every page), acknowledge() (audited in the same transaction), and the staff calls
acknowledged lately, which every heartbeat reply carries back to its kiosk.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backend import audit, kiosk_history
from backend.db import (
    WRITE,
    format_utc,
    is_postgresql,
    kiosk_alerts,
    kiosk_status,
)
from backend.db import kiosks as kiosks_table
from core.wire import AcknowledgedCall, Heartbeat

RECENT_ALERTS = 20
ALERTS_KEPT = 1000  # per kiosk; the same number migration 6 kept
STAFF_CALL = "staff_call"
# A kiosk sends a heartbeat every heartbeat_interval_s (60 s by default) and at once after a
# staff call or a device problem: one missed heartbeat is "late", ten minutes of silence is
# "offline".
ONLINE_WITHIN = timedelta(seconds=150)
LATE_WITHIN = timedelta(minutes=10)
# How long an acknowledged staff call is repeated in this kiosk's heartbeat replies (a reply
# lost on the way must not lose the acknowledgement; the kiosk shows each one once).
ACKNOWLEDGED_ECHO = timedelta(minutes=2)
MAX_OPEN_ALERTS = 50  # on the banner; more are counted, not listed
NAME_MAX = 40
LOCATION_MAX = 80


class Connectivity(StrEnum):
    ONLINE = "online"
    LATE = "late"
    OFFLINE = "offline"
    NEVER = "never"  # registered, no heartbeat yet

    @property
    def label(self) -> str:
        return {
            "online": "接続中",
            "late": "応答が遅れています",
            "offline": "つながっていません",
            "never": "まだ接続していません",
        }[self.value]


def connection_state(last_seen: datetime | None, now: datetime) -> Connectivity:
    if last_seen is None:
        return Connectivity.NEVER
    silent = now - last_seen
    if silent <= ONLINE_WITHIN:
        return Connectivity.ONLINE
    return Connectivity.LATE if silent <= LATE_WITHIN else Connectivity.OFFLINE


class InvalidKioskLabel(ValueError):
    """A kiosk name or location that cannot be stored (empty, too long, a control character)."""


def checked_label(text: str | None, what: str, longest: int, *, empty: bool = False) -> str:
    """text NFC-normalized and stripped: one line of printable characters, at most longest."""
    label = unicodedata.normalize("NFC", (text or "").strip())
    if not label and not empty:
        raise InvalidKioskLabel(f"{what}を入れてください")
    if len(label) > longest:
        raise InvalidKioskLabel(f"{what}は{longest}文字までです")
    if not all(char.isprintable() for char in label):
        raise InvalidKioskLabel(f"{what}に使えない文字があります")
    return label


class KioskExists(ValueError):
    pass


class KioskUnknown(LookupError):
    pass


def register(
    engine: Engine,
    kiosk_id: str,
    *,
    name: str | None,
    location: str | None,
    who: str,
    now: datetime,
    create: bool,
    address: str | None = None,
) -> dict:
    """Add (create=True: refused if registered) or change (refused if not) a kiosk's name
    and location; None leaves a field as it is (a new kiosk is named by its id). Audited."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        found = (
            connection.execute(select(kiosks_table).where(kiosks_table.c.kiosk_id == kiosk_id))
            .mappings()
            .first()
        )
        if create and found is not None:
            raise KioskExists(kiosk_id)
        if not create and found is None:
            raise KioskUnknown(kiosk_id)
        values = {
            "name": checked_label(
                name if name is not None else (found["name"] if found else kiosk_id),
                "端末の名前",
                NAME_MAX,
            ),
            "location": checked_label(
                location if location is not None else (found["location"] if found else ""),
                "設置場所",
                LOCATION_MAX,
                empty=True,
            ),
            "changed_at": now,
        }
        if found is None:
            connection.execute(
                insert(kiosks_table).values(kiosk_id=kiosk_id, created_at=now, **values)
            )
        else:
            connection.execute(
                update(kiosks_table).where(kiosks_table.c.kiosk_id == kiosk_id).values(values)
            )
        before = {"name": found["name"], "location": found["location"]} if found else None
        after = {"name": values["name"], "location": values["location"]}
        audit.append(
            connection,
            who=who,
            action=audit.Action.KIOSK,
            kiosk_id=kiosk_id,
            detail={"before": before, "after": after},
            at=now,
            address=address,
        )
        return {"kiosk_id": kiosk_id, **after}


def registered(engine: Engine) -> dict[str, dict]:
    """Kiosk id → its registration (name, location), for every registered kiosk."""
    with engine.connect() as connection:
        rows = connection.execute(select(kiosks_table).order_by(kiosks_table.c.kiosk_id))
        return {row["kiosk_id"]: dict(row) for row in rows.mappings()}


@dataclass(frozen=True)
class KioskRow:
    """One row of the console's kiosk page."""

    kiosk_id: str
    name: str
    location: str
    registered: bool
    connectivity: Connectivity
    last_seen: datetime | None = None
    sent_at: datetime | None = None
    app_version: str = ""
    catalog_version: str = ""
    queue_depth: int | None = None
    quarantined: int | None = None
    devices: dict | None = None

    @property
    def clock_skew_s(self) -> float | None:
        """How far the kiosk's clock was ahead (+) of the server's when it sent its last
        heartbeat (the time on the way counts as skew: well under a second)."""
        if self.sent_at is None or self.last_seen is None:
            return None
        return (self.sent_at - self.last_seen).total_seconds()


def overview(engine: Engine, now: datetime) -> list[KioskRow]:
    """Every kiosk that is registered or ever sent a heartbeat, by id."""
    names = registered(engine)
    with engine.connect() as connection:
        statuses = {
            row["kiosk_id"]: dict(row)
            for row in connection.execute(select(kiosk_status)).mappings()
        }
    found = []
    for kiosk_id in sorted(set(names) | set(statuses)):
        registration = names.get(kiosk_id)
        status = statuses.get(kiosk_id)
        row = KioskRow(
            kiosk_id=kiosk_id,
            name=registration["name"] if registration else kiosk_id,
            location=registration["location"] if registration else "",
            registered=registration is not None,
            connectivity=connection_state(status["last_seen"] if status else None, now),
        )
        if status is not None:
            row = KioskRow(
                **{
                    **row.__dict__,
                    "last_seen": status["last_seen"],
                    "sent_at": status["sent_at"],
                    "app_version": status["app_version"],
                    "catalog_version": status["catalog_version"],
                    "queue_depth": status["queue_depth"],
                    "quarantined": status["quarantined"],
                    "devices": json.loads(status["devices"]),
                }
            )
        found.append(row)
    return found


def _alert_rows(connection: Connection, *clauses, limit: int) -> list[dict]:
    rows = (
        connection.execute(
            select(kiosk_alerts)
            .where(*clauses)
            .order_by(kiosk_alerts.c.at.desc(), kiosk_alerts.c.id.desc())
            .limit(limit)
        )
        .mappings()
        .all()
    )
    if not rows:
        return []  # the usual answer for every console page's banner: one query, not two
    registered = select(kiosks_table).where(
        kiosks_table.c.kiosk_id.in_({row["kiosk_id"] for row in rows})
    )
    names = {row["kiosk_id"]: row for row in connection.execute(registered).mappings()}
    found = []
    for row in rows:
        registration = names.get(row["kiosk_id"])
        found.append(
            {
                **row,
                "kiosk_name": registration["name"] if registration else row["kiosk_id"],
                "location": registration["location"] if registration else "",
            }
        )
    return found


def open_alerts(engine: Engine, limit: int = MAX_OPEN_ALERTS) -> list[dict]:
    """Alerts nobody acknowledged yet, newest first, each with its kiosk's name and location."""
    with engine.connect() as connection:
        return _alert_rows(connection, kiosk_alerts.c.acknowledged_at.is_(None), limit=limit)


def recent_alerts(engine: Engine, limit: int = RECENT_ALERTS) -> list[dict]:
    """The latest alerts of every kiosk, acknowledged or not, newest first."""
    with engine.connect() as connection:
        return _alert_rows(connection, limit=limit)


def acknowledge(
    engine: Engine, alert_id: int, *, who: str, now: datetime, address: str | None = None
) -> dict | None:
    """Mark an open alert acknowledged by who (audited in the same transaction); the alert,
    or None when there is no such alert. One already acknowledged stays as it was."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        changed = connection.execute(
            update(kiosk_alerts)
            .where(kiosk_alerts.c.id == alert_id, kiosk_alerts.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=who)
        ).rowcount
        row = (
            connection.execute(select(kiosk_alerts).where(kiosk_alerts.c.id == alert_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        if changed:
            audit.append(
                connection,
                who=who,
                action=audit.Action.ACKNOWLEDGE,
                kiosk_id=row["kiosk_id"],
                detail={"kind": row["kind"], "alert_at": row["at"], "alert": alert_id},
                at=now,
                address=address,
            )
        return dict(row)


def acknowledged_calls(engine: Engine, kiosk_id: str, now: datetime) -> list[AcknowledgedCall]:
    """This kiosk's staff calls acknowledged within ACKNOWLEDGED_ECHO, for its heartbeat reply."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(kiosk_alerts.c.at, kiosk_alerts.c.acknowledged_at)
            .where(
                kiosk_alerts.c.kiosk_id == kiosk_id,
                kiosk_alerts.c.kind == STAFF_CALL,
                kiosk_alerts.c.acknowledged_at >= now - ACKNOWLEDGED_ECHO,
            )
            .order_by(kiosk_alerts.c.acknowledged_at.desc())
            .limit(10)
        ).mappings()
        return [
            AcknowledgedCall(called_at=row["at"], acknowledged_at=row["acknowledged_at"])
            for row in rows
        ]


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
        before = kiosk_history.previous_state(connection, heartbeat.kiosk_id)
        # A row back only when stored (an older heartbeat is not): rowcount cannot say, it is
        # -1 for this statement through SQLAlchemy on psycopg.
        if connection.execute(upsert.returning(kiosk_status.c.kiosk_id)).first() is not None:
            kiosk_history.note_change(connection, before, values)
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
