"""What the console keeps per app: its settings, the login guard (which remembers failures of
names without an account) and the per-address budget of failed logins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.console.login import LoginGuard
from backend.console.settings import ConsoleSettings
from backend.ratelimit import RateLimiter


@dataclass(frozen=True)
class ConsoleState:
    settings: ConsoleSettings
    login_guard: LoginGuard
    login_failures: RateLimiter

    @classmethod
    def of(cls, settings: ConsoleSettings) -> ConsoleState:
        return cls(
            settings,
            LoginGuard(settings),
            RateLimiter(settings.login_failures, "failed logins"),
        )


def console_state(app: Any) -> ConsoleState:
    """The console's state of a FastAPI app (set by backend/console/mount.py)."""
    return app.state.console
