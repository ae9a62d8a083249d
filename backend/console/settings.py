"""The console's numbers in one place (session lifetimes, lockout, the login budget) and its
clock, which tests and benchmarks may replace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend.ratelimit import Rate

# Wrong logins per client address (any names): a guesser moving from name to name stops here;
# an office's clerks behind one address mistype far less than this.
LOGIN_FAILURE_RATE = Rate(10, 300.0)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConsoleSettings:
    # A session ends after session_idle without a request, and session_absolute after login
    # whatever happens (a working day and a bit: nobody stays logged in overnight).
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=10)
    # last_seen is written at most this often, not on every request (a write per page view);
    # the idle expiry is therefore exact to within this much.
    touch_every: timedelta = timedelta(minutes=1)
    # After lockout_after wrong passwords in a row, a name cannot log in for lockout_for.
    lockout_after: int = 5
    lockout_for: timedelta = timedelta(minutes=15)
    login_failures: Rate = LOGIN_FAILURE_RATE
    clock: Callable[[], datetime] = field(default=utc_now)
