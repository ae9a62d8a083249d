"""Staff accounts of the console: create, read, list, disable, set a new password.

A name is checked by backend/names.py (one word of letters and digits of any script), after
NFKC normalization, so ｔａｎａｋａ typed with a Japanese input method is tanaka; divisions
(課) likewise. The password hash never leaves this module and backend/console/login.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from backend.console.passwords import hash_password
from backend.console.roles import StaffRole
from backend.db import WRITE, staff_sessions, staff_user_divisions, staff_users
from backend.names import check_staff_name


class UnknownUser(LookupError):
    """No staff account has this name."""


class UserExists(ValueError):
    """A staff account with this name exists already."""


@dataclass(frozen=True)
class StaffUser:
    name: str
    role: StaffRole
    divisions: tuple[str, ...]
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    changed_at: datetime

    @property
    def role_label(self) -> str:
        return self.role.label

    @property
    def audit_who(self) -> str:
        """The audit log's name for this person (`cli:USER` is the command line's, a bare name
        a staff token's)."""
        return f"console:{self.name}"

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def normalized(name: str) -> str:
    """A name as typed, in the form it is stored and looked up in (NFKC, no outer spaces)."""
    return unicodedata.normalize("NFKC", name).strip()


def checked_name(name: str) -> str:
    """The normalized name when it may name an account or a division, else InvalidName."""
    return check_staff_name(normalized(name))


def divisions_of(connection: Connection, names: list[str]) -> dict[str, tuple[str, ...]]:
    if not names:
        return {}
    rows = connection.execute(
        select(staff_user_divisions.c.user_name, staff_user_divisions.c.division)
        .where(staff_user_divisions.c.user_name.in_(names))
        .order_by(staff_user_divisions.c.user_name, staff_user_divisions.c.position)
    )
    found: dict[str, list[str]] = {}
    for user_name, division in rows:
        found.setdefault(user_name, []).append(division)
    return {name: tuple(found.get(name, ())) for name in names}


def from_row(row, divisions: tuple[str, ...]) -> StaffUser:
    return StaffUser(
        name=row.name,
        role=StaffRole(row.role),
        divisions=divisions,
        disabled=bool(row.disabled),
        locked_until=row.locked_until,
        created_at=row.created_at,
        changed_at=row.changed_at,
    )


_COLUMNS = [
    staff_users.c.name,
    staff_users.c.role,
    staff_users.c.disabled,
    staff_users.c.locked_until,
    staff_users.c.created_at,
    staff_users.c.changed_at,
]


def create(
    engine: Engine,
    name: str,
    role: StaffRole | str,
    password: str,
    divisions: Iterable[str],
    now: datetime,
) -> StaffUser:
    """A new account. InvalidName for a name or division outside backend/names.py's rule,
    UnusablePassword for a password too short or long, UserExists for a name taken."""
    name = checked_name(name)
    role = StaffRole(role)
    wanted = list(dict.fromkeys(checked_name(division) for division in divisions))
    password_hash = hash_password(password)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        taken = connection.execute(
            select(staff_users.c.name).where(staff_users.c.name == name)
        ).first()
        if taken is not None:
            raise UserExists(f"a staff user named {name!r} exists already")
        connection.execute(
            insert(staff_users).values(
                name=name,
                role=role.value,
                password_hash=password_hash,
                disabled=0,
                failed_logins=0,
                locked_until=None,
                created_at=now,
                changed_at=now,
            )
        )
        if wanted:
            connection.execute(
                insert(staff_user_divisions),
                [
                    {"user_name": name, "division": division, "position": position}
                    for position, division in enumerate(wanted)
                ],
            )
    return StaffUser(name, role, tuple(wanted), False, None, now, now)


def find(engine: Engine, name: str) -> StaffUser | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(*_COLUMNS).where(staff_users.c.name == normalized(name))
        ).first()
        if row is None:
            return None
        return from_row(row, divisions_of(connection, [row.name])[row.name])


def all_users(engine: Engine) -> list[StaffUser]:
    """Every account, by name."""
    with engine.connect() as connection:
        rows = connection.execute(select(*_COLUMNS).order_by(staff_users.c.name)).all()
        divisions = divisions_of(connection, [row.name for row in rows])
    return [from_row(row, divisions[row.name]) for row in rows]


def disable(engine: Engine, name: str, now: datetime) -> None:
    """The account can no longer log in, and its open sessions end now."""
    _change(engine, name, now, disabled=1)


def enable(engine: Engine, name: str, now: datetime) -> None:
    _change(engine, name, now, disabled=0)


def set_password(engine: Engine, name: str, password: str, now: datetime) -> None:
    """A new password (UnusablePassword if too short or long); the lockout is lifted and every
    open session of the account ends (whoever knew the old password is out)."""
    password_hash = hash_password(password)
    _change(engine, name, now, password_hash=password_hash, failed_logins=0, locked_until=None)


def _change(engine: Engine, name: str, now: datetime, **values) -> None:
    name = normalized(name)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        changed = connection.execute(
            update(staff_users).where(staff_users.c.name == name).values(changed_at=now, **values)
        )
        if changed.rowcount == 0:
            raise UnknownUser(f"no staff user named {name!r}")
        connection.execute(delete(staff_sessions).where(staff_sessions.c.user_name == name))
