"""When a resident walks away: a warning with a countdown, then everything is forgotten.

Qt-free, with an injectable clock so it is tested without waiting. Any touch counts as
activity; during the warning the resident can extend as often as they like (WCAG 2.2.1 asks
for at least ten), and when the countdown ends the screen returns home with no answer left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class IdleState(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdlePolicy:
    quiet_s: float = 90.0  # no touch for this long: show the warning
    warning_s: float = 30.0  # the countdown; UX.md asks for at least 20 s

    def __post_init__(self) -> None:
        if self.warning_s < 20:
            raise ValueError("the idle warning must give at least 20 seconds")


class IdleClock:
    def __init__(self, policy: IdlePolicy, now: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._now = now
        self._last_activity = now()
        self.extensions = 0

    def touch(self) -> None:
        """The resident did something: the quiet period starts again."""
        self._last_activity = self._now()

    def extend(self) -> None:
        """まだ使う: the resident asked for more time during the warning."""
        self.extensions += 1
        self.touch()

    def restart(self) -> None:
        """A new resident: forget the previous one's extensions too."""
        self.extensions = 0
        self.touch()

    @property
    def state(self) -> IdleState:
        quiet = self._now() - self._last_activity
        if quiet >= self.policy.quiet_s + self.policy.warning_s:
            return IdleState.EXPIRED
        if quiet >= self.policy.quiet_s:
            return IdleState.WARNING
        return IdleState.ACTIVE

    def seconds_left(self) -> int:
        """Whole seconds until expiry, for the countdown (rounded up, never negative)."""
        quiet = self._now() - self._last_activity
        remaining = self.policy.quiet_s + self.policy.warning_s - quiet
        return max(0, int(-(-remaining // 1)))
