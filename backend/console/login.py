"""Whether a name and password may log in: the password check and the lockout.

After `lockout_after` wrong passwords in a row a name is locked for `lockout_for` (the right
password does not help meanwhile; a new password from `kiosk backend user reset-password`
does). The console says so plainly, and says it for a name that has no account exactly as
for one that has: a name nobody holds is counted and locked the same way (in this process's
memory, bounded), and checking it costs the same scrypt work, so neither the words nor the
timing tell someone guessing names which ones exist. A disabled account is said to be
disabled only to someone who typed its right password.

Failures per client address are limited besides (ConsoleSettings.login_failures, in
backend/console/login_pages.py), so one address cannot walk through many names.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import Engine, select, update

from backend.console import users
from backend.console.passwords import spend_like_a_check, verify_password
from backend.console.settings import ConsoleSettings
from backend.console.users import StaffUser
from backend.db import WRITE, staff_users

# How many names without an account are remembered (least recently tried forgotten first).
MAX_UNKNOWN_NAMES = 10_000


class LoginResult(Enum):
    SIGNED_IN = "signed_in"
    WRONG = "wrong"  # unknown name or wrong password: the same answer
    LOCKED = "locked"  # too many wrong passwords for this name; locked_until says until when
    DISABLED = "disabled"  # the right password of a disabled account


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    user: StaffUser | None = None  # only when SIGNED_IN
    locked_until: datetime | None = None  # only when LOCKED
    known_name: str | None = None  # the account's name, for the log; None for an unknown one


class LoginGuard:
    """Checks logins; one per app (it remembers unknown names' failures)."""

    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        # sha256 of a name without an account → (wrong passwords in a row, locked until).
        self._unknown: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()

    def attempt(self, engine: Engine, name: str, password: str, now: datetime) -> LoginOutcome:
        name = users.normalized(name)
        with engine.connect() as connection:
            row = connection.execute(
                select(
                    staff_users.c.name,
                    staff_users.c.password_hash,
                    staff_users.c.disabled,
                    staff_users.c.locked_until,
                ).where(staff_users.c.name == name)
            ).first()
        if row is None:
            return self._unknown_name(name, password, now)
        if row.locked_until is not None and row.locked_until > now:
            return LoginOutcome(LoginResult.LOCKED, locked_until=row.locked_until, known_name=name)
        if not verify_password(password, row.password_hash):
            return self._wrong(engine, name, now)
        if row.disabled:
            return LoginOutcome(LoginResult.DISABLED, known_name=name)
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            connection.execute(
                update(staff_users)
                .where(staff_users.c.name == name)
                .values(failed_logins=0, locked_until=None)
            )
        user = users.find(engine, name)
        if user is None:  # removed from the database between the two statements
            return LoginOutcome(LoginResult.WRONG)
        return LoginOutcome(LoginResult.SIGNED_IN, user=user, known_name=name)

    def _wrong(self, engine: Engine, name: str, now: datetime) -> LoginOutcome:
        """Count one wrong password, in one statement (two wrong logins at once both count);
        the one that reaches the limit locks the name and starts the count again."""
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            failures = connection.execute(
                update(staff_users)
                .where(staff_users.c.name == name)
                .values(failed_logins=staff_users.c.failed_logins + 1)
                .returning(staff_users.c.failed_logins)
            ).scalar_one_or_none()
            if failures is None or failures < self.settings.lockout_after:
                return LoginOutcome(LoginResult.WRONG, known_name=name)
            until = now + self.settings.lockout_for
            connection.execute(
                update(staff_users)
                .where(staff_users.c.name == name)
                .values(failed_logins=0, locked_until=until)
            )
        return LoginOutcome(LoginResult.LOCKED, locked_until=until, known_name=name)

    def _unknown_name(self, typed: str, password: str, now: datetime) -> LoginOutcome:
        # Remembered by digest: a name of any length costs the same few bytes.
        name = hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            failures, until = self._unknown.get(name, (0, None))
        if until is not None and until > now:
            return LoginOutcome(LoginResult.LOCKED, locked_until=until)
        spend_like_a_check(password)
        failures = failures + 1 if until is None else 1  # a lock that ran out starts anew
        until = None
        if failures >= self.settings.lockout_after:
            failures, until = 0, now + self.settings.lockout_for
        with self._lock:
            self._unknown[name] = (failures, until)
            self._unknown.move_to_end(name)
            while len(self._unknown) > MAX_UNKNOWN_NAMES:
                self._unknown.popitem(last=False)
        if until is not None:
            return LoginOutcome(LoginResult.LOCKED, locked_until=until)
        return LoginOutcome(LoginResult.WRONG)
