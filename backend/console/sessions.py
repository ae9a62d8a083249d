"""Server-side console sessions: started at login, found again from the cookie, ended at
logout, after 30 minutes without a request or 10 hours after login (ConsoleSettings).

The cookie carries 32 random bytes; the database keeps only their sha256 (like a bearer
token: nothing to guess, and a copy of the database opens no session). Each session has its
own CSRF token (backend/console/csrf.py). An account that is disabled or given a new password
loses its sessions at once (backend/console/users.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, or_, select, update

from backend.console.roles import StaffRole
from backend.console.settings import ConsoleSettings
from backend.console.users import StaffUser
from backend.db import WRITE, staff_sessions, staff_user_divisions, staff_users

COOKIE = "madoguchi_session"
COOKIE_PATH = "/staff"
# A session id as the cookie carries it (token_urlsafe(32)); anything else is not looked up.
ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
ID_LENGTH = 43


@dataclass(frozen=True)
class StaffSession:
    id_sha256: str
    user: StaffUser
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    address: str


def id_sha256(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def plausible_id(session_id: str) -> bool:
    return len(session_id) == ID_LENGTH and set(session_id) <= ID_CHARS


def start(engine: Engine, user: StaffUser, address: str, now: datetime) -> tuple[str, str]:
    """A new session for user; returns (the id for the cookie, its CSRF token)."""
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(
            insert(staff_sessions).values(
                id_sha256=id_sha256(session_id),
                user_name=user.name,
                csrf_token=csrf_token,
                created_at=now,
                last_seen=now,
                address=address[:100],
            )
        )
    return session_id, csrf_token


def _expired(settings: ConsoleSettings, now: datetime):
    return or_(
        staff_sessions.c.last_seen <= now - settings.session_idle,
        staff_sessions.c.created_at <= now - settings.session_absolute,
    )


def find(
    engine: Engine, session_id: str, now: datetime, settings: ConsoleSettings
) -> StaffSession | None:
    """The live session with this id, with its user; None when there is none, it has expired
    (and is then deleted), or its account is disabled."""
    if not plausible_id(session_id):
        return None
    digest = id_sha256(session_id)
    with engine.connect() as connection:
        # One query for every page: the session, its user, and a row per division (if any).
        rows = connection.execute(
            select(
                staff_sessions,
                staff_users.c.name,
                staff_users.c.role,
                staff_users.c.disabled,
                staff_users.c.locked_until,
                staff_users.c.created_at.label("user_created_at"),
                staff_users.c.changed_at,
                staff_user_divisions.c.division,
            )
            .join(staff_users, staff_users.c.name == staff_sessions.c.user_name)
            .outerjoin(staff_user_divisions, staff_user_divisions.c.user_name == staff_users.c.name)
            .where(staff_sessions.c.id_sha256 == digest)
            .order_by(staff_user_divisions.c.position)
        ).all()
    if not rows or not hmac.compare_digest(rows[0].id_sha256, digest):
        return None
    row = rows[0]
    divisions = tuple(found.division for found in rows if found.division is not None)
    live = (
        now - row.last_seen < settings.session_idle
        and now - row.created_at < settings.session_absolute
    )
    if not live or row.disabled:
        end(engine, digest)
        return None
    user = StaffUser(
        name=row.name,
        role=StaffRole(row.role),
        divisions=divisions,
        disabled=False,
        locked_until=row.locked_until,
        created_at=row.user_created_at,
        changed_at=row.changed_at,
    )
    return StaffSession(digest, user, row.csrf_token, row.created_at, row.last_seen, row.address)


def touch(engine: Engine, session: StaffSession, now: datetime, settings: ConsoleSettings) -> None:
    """Note that the session was used now (at most every settings.touch_every)."""
    if now - session.last_seen < settings.touch_every:
        return
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(
            update(staff_sessions)
            .where(staff_sessions.c.id_sha256 == session.id_sha256)
            .values(last_seen=now)
        )


def end(engine: Engine, digest: str) -> None:
    """End the session whose id has this sha256 (logout, expiry)."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(delete(staff_sessions).where(staff_sessions.c.id_sha256 == digest))


def purge_expired(engine: Engine, now: datetime, settings: ConsoleSettings) -> int:
    """Delete every expired session (run at each login, so none lingers for long)."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        return connection.execute(delete(staff_sessions).where(_expired(settings, now))).rowcount
