"""The CSRF tokens a console form carries: the session's, or before login the login form's.

Every POST, PUT and DELETE under /staff/ must carry the token (backend/console/csrf_guard.py
checks it), as the hidden field FIELD of a form or, for scripts of live page parts, the
header X-CSRF-Token. Before login there is no session, so the login form carries a random token
that is also in a cookie of its own (LOGIN_COOKIE): a page of another site can set neither.
"""

from __future__ import annotations

import hmac

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.types import Scope

from backend.console.visits import VISIT_STATE

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "madoguchi_login"
LOGIN_TOKEN_STATE = "madoguchi.login_csrf"


def tokens_match(presented: str | None, expected: str | None) -> bool:
    """Both present and equal, compared in constant time."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def expected_token(scope: Scope) -> str | None:
    """The token this request's forms carry: its session's, else the login form's."""
    state = scope.get("state", {})
    visit = state.get(VISIT_STATE)
    if visit is not None and visit.session is not None:
        return visit.session.csrf_token
    return state.get(LOGIN_TOKEN_STATE)


def csrf_token(request: Request) -> str:
    """The token for a form of this request (empty when there is none), e.g. for a script's
    X-CSRF-Token header."""
    return expected_token(request.scope) or ""


def csrf_field(request: Request) -> Markup:
    """The hidden form field carrying the token; put `{{ csrf_field }}` in every form that
    POSTs (page() passes it to every template)."""
    token = expected_token(request.scope)
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token))
