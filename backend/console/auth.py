"""Who may see a console page: the dependencies the console's pages are built on.

    current_staff(request) -> StaffUser        the logged-in staff member, or to the login page
    watching_staff(request) -> StaffUser       the same for a page's automatic refresh, which
                                               does not keep the session alive
    require_role(*roles)                       a dependency: the member, if their role is one of
                                               roles; else a plain 403 page (and a logged event)
    csrf_field(request) -> Markup              the hidden CSRF field for a form
    divisions_visible(user) -> DivisionScope   the divisions (課) whose applications they see

See backend/console/__init__.py for how pages use them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError

from backend.console import sessions
from backend.console.csrf_tokens import csrf_field, csrf_token
from backend.console.refusals import ConsoleRefusal, LoginRequired
from backend.console.roles import StaffRole
from backend.console.state import console_state
from backend.console.users import StaffUser
from backend.console.visits import visit_of
from backend.ratelimit import client_key

__all__ = [
    "CurrentStaff",
    "DivisionScope",
    "WatchingStaff",
    "csrf_field",
    "csrf_token",
    "current_staff",
    "divisions_visible",
    "require_role",
    "watching_staff",
]

log = logging.getLogger(__name__)


def current_staff(request: Request) -> StaffUser:
    """The staff member whose live session this request carries. Without one, LoginRequired:
    a GET goes to the login page and comes back after login; a change (POST …) never gets
    here (backend/console/csrf_guard.py sends it to the login page first)."""
    user = watching_staff(request)
    visit = visit_of(request.scope)
    state = console_state(request.app)
    try:
        sessions.touch(
            request.app.state.engine, visit.session, state.settings.clock(), state.settings
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    return user


def watching_staff(request: Request) -> StaffUser:
    """As current_staff, without counting the request as use of the session: a page's own
    refresh (the queue's table every few seconds) is not the clerk at work, and a console
    left open on a counter PC must still log out after the idle time."""
    visit = visit_of(request.scope)
    if visit.session is None:
        raise LoginRequired(expired=visit.presented)
    return visit.session.user


# A handler's parameter: `user: CurrentStaff`; `user: WatchingStaff` for automatic refreshes.
CurrentStaff = Annotated[StaffUser, Depends(current_staff)]
WatchingStaff = Annotated[StaffUser, Depends(watching_staff)]


def _who_may(roles: tuple[StaffRole, ...]) -> str:
    return "・".join(role.label for role in StaffRole if role in roles)


def require_role(*roles: StaffRole | str) -> Callable[..., StaffUser]:
    """A dependency giving the logged-in member when their role is one of roles, e.g.
    `user: Annotated[StaffUser, Depends(require_role(StaffRole.ADMIN))]`. An unknown role name is a
    ValueError here, when the route is declared, never a page that lets nobody (or everybody)
    in."""
    allowed = tuple(StaffRole(role) for role in roles)
    if not allowed:
        raise ValueError("require_role needs at least one role")

    def staff_in_role(request: Request, user: CurrentStaff) -> StaffUser:
        if user.role not in allowed:
            log.warning(
                "console: %s (%s) refused %s %s from %s: needs %s",
                user.name,
                user.role.value,
                request.method,
                request.url.path,
                client_key(request.scope.get("client")),
                ",".join(role.value for role in allowed),
            )
            raise ConsoleRefusal(
                403,
                f"このページは{_who_may(allowed)}だけが使えます。"
                "必要なときは管理者に相談してください。",
                title="このページは見られません",
            )
        return user

    return staff_in_role


@dataclass(frozen=True)
class DivisionScope:
    """The divisions whose applications someone sees: every one, or those named."""

    everything: bool
    divisions: tuple[str, ...] = ()

    def allows(self, division: str | None) -> bool:
        """Whether an application of this division (None: none given) is theirs to see."""
        return self.everything or (division is not None and division in self.divisions)


def divisions_visible(user: StaffUser) -> DivisionScope:
    """Clerks: the divisions they belong to (none: nothing); supervisors and admins: all."""
    if user.role.sees_every_division:
        return DivisionScope(everything=True, divisions=user.divisions)
    return DivisionScope(everything=False, divisions=user.divisions)
