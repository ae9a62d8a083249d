"""Who is at the console for this request: the session its cookie names, looked up once.

The door (backend/limits.py) looks it up first, to decide whether the request spends the
anonymous budget, and leaves it in the request's scope; the CSRF check and current_staff then
take it from there instead of a second lookup, and look it up themselves wherever the door did
not run.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.types import Scope

from backend.console import sessions
from backend.console.sessions import StaffSession
from backend.console.state import console_state

VISIT_STATE = "madoguchi.console_visit"


@dataclass(frozen=True)
class Visit:
    session: StaffSession | None  # None: no session, or not a live one
    presented: bool  # a session cookie came with the request (so: "expired" when no session)


def session_cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(sessions.COOKIE)
            if found:
                return found
    return None


def _cached(scope: Scope) -> Visit | None:
    return scope.get("state", {}).get(VISIT_STATE)


def visit_of(scope: Scope) -> Visit:
    """The visit of this request (a database lookup the first time; call from a thread)."""
    visit = _cached(scope)
    if visit is None:
        visit = _look_up(scope)
        scope.setdefault("state", {})[VISIT_STATE] = visit
    return visit


async def resolve_visit(scope: Scope) -> Visit:
    """visit_of for the event loop: the lookup runs on the thread pool."""
    visit = _cached(scope)
    if visit is None:
        visit = await run_in_threadpool(_look_up, scope)
        scope.setdefault("state", {})[VISIT_STATE] = visit
    return visit


def _look_up(scope: Scope) -> Visit:
    session_id = session_cookie(scope)
    if session_id is None:
        return Visit(None, False)
    app = scope["app"]
    state = console_state(app)
    session = sessions.find(app.state.engine, session_id, state.settings.clock(), state.settings)
    return Visit(session, True)
