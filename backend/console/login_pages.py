"""The login and logout pages (/staff/login, /staff/logout): plain forms, no JavaScript.

Login checks the name and password (backend/console/login.py), starts a server-side session
(backend/console/sessions.py) and sets its cookie: HttpOnly, SameSite=Strict, Path=/staff,
Secure when the request came over HTTPS (directly, or by a trusted proxy's X-Forwarded-Proto).
Failed logins spend the address's budget (ConsoleSettings.login_failures); while it is spent,
no password is even checked. Every answer but success is the login page again with a plain
message and a 4xx status.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from backend.console import sessions, urls
from backend.console.cookies import clear_cookie, set_cookie
from backend.console.csrf_tokens import LOGIN_COOKIE, LOGIN_TOKEN_STATE
from backend.console.forms import FormFields, form_fields
from backend.console.login import LoginResult
from backend.console.refusals import LOGIN_REASONS
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.visits import visit_of
from backend.ratelimit import client_key

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

WRONG = (
    "名前かパスワードが違います。続けて{after}回間違えると、{minutes}分間ログインできなくなります。"
)
LOCKED = (
    "続けて{after}回間違えたため、この名前では しばらくログインできません。"
    "{wait}分ほど待ってから、もう一度お試しください。急ぐときは管理者に連絡してください。"
)
DISABLED = "この名前は使えなくなっています。管理者に連絡してください。"
TOO_MANY = (
    "この端末からのログインの失敗が続いたため、しばらく受け付けません。"
    "{wait}分ほど待ってから、もう一度お試しください。"
)
MISSING = "名前とパスワードを入れてください。"
MAX_NAME_SHOWN = 64  # a name typed back into the form is cut here


def _login_form(
    request: Request,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    name: str = "",
    next_path: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    request.scope.setdefault("state", {})[LOGIN_TOKEN_STATE] = token
    response = page(
        request,
        "login.html",
        status=status,
        headers=headers,
        error=error,
        notice=notice,
        name=name[:MAX_NAME_SHOWN],
        next_path=urls.safe_next(next_path) or "",
    )
    set_cookie(response, request, LOGIN_COOKIE, token, path=urls.LOGIN)
    return response


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


@router.get(urls.LOGIN)
def login_page(request: Request, reason: str | None = None, next: str | None = None) -> Response:
    if visit_of(request.scope).session is not None:
        return RedirectResponse(urls.safe_next(next) or urls.HOME, status_code=303)
    return _login_form(request, notice=LOGIN_REASONS.get(reason or ""), next_path=next)


@router.post(urls.LOGIN)
def log_in(request: Request, form: Annotated[FormFields, Depends(form_fields)]) -> Response:
    state = console_state(request.app)
    settings = state.settings
    engine = request.app.state.engine
    address = client_key(request.scope.get("client"))
    name, password = form.get("name", ""), form.get("password", "")
    next_path = form.get("next") or None
    again = {"name": name, "next_path": next_path}

    budget = state.login_failures.blocked(address)
    if not budget.allowed:
        log.warning("console: login refused from %s: too many failed logins", address)
        wait = math.ceil(budget.retry_after_s / 60)
        return _login_form(
            request,
            status=429,
            error=TOO_MANY.format(wait=wait),
            headers={"Retry-After": str(budget.retry_after_s)},
            **again,
        )
    if not name.strip() or not password:
        return _login_form(request, status=400, error=MISSING, **again)

    now = settings.clock()
    outcome = state.login_guard.attempt(engine, name, password, now)
    if outcome.result is LoginResult.SIGNED_IN and outcome.user is not None:
        earlier = visit_of(request.scope).session
        if earlier is not None:  # a new login replaces the browser's session, not adds one
            sessions.end(engine, earlier.id_sha256)
        sessions.purge_expired(engine, now, settings)
        session_id, _ = sessions.start(engine, outcome.user, address, now)
        log.info("console: %s logged in from %s", outcome.user.name, address)
        response = RedirectResponse(urls.safe_next(next_path) or urls.HOME, status_code=303)
        set_cookie(
            response,
            request,
            sessions.COOKIE,
            session_id,
            path=sessions.COOKIE_PATH,
            max_age=int(settings.session_absolute.total_seconds()),
        )
        clear_cookie(response, request, LOGIN_COOKIE, path=urls.LOGIN)
        return response

    # The typed name is logged only when it is an account's: a password typed into the name
    # field by mistake must not end up in the log.
    log.warning(
        "console: login refused from %s: %s%s",
        address,
        outcome.result.value,
        f" ({outcome.known_name})" if outcome.known_name else "",
    )
    if outcome.result is LoginResult.DISABLED:
        return _login_form(request, status=403, error=DISABLED, **again)
    state.login_failures.hit(address)
    if outcome.result is LoginResult.LOCKED and outcome.locked_until is not None:
        wait_s = max(1, math.ceil((outcome.locked_until - now).total_seconds()))
        message = LOCKED.format(
            after=settings.lockout_after, wait=_minutes_until(outcome.locked_until, now)
        )
        return _login_form(
            request, status=429, error=message, headers={"Retry-After": str(wait_s)}, **again
        )
    minutes = math.ceil(settings.lockout_for.total_seconds() / 60)
    message = WRONG.format(after=settings.lockout_after, minutes=minutes)
    return _login_form(request, status=401, error=message, **again)


@router.get(urls.LOGOUT)
def logout_page(request: Request) -> Response:
    """Someone who typed the address: a button to log out (a GET changes nothing)."""
    if visit_of(request.scope).session is None:
        return RedirectResponse(urls.LOGIN, status_code=303)
    return page(request, "logout.html")


@router.post(urls.LOGOUT)
def log_out(request: Request) -> Response:
    # The CSRF guard let this through, so there is a live session with a matching token.
    session = visit_of(request.scope).session
    if session is not None:
        sessions.end(request.app.state.engine, session.id_sha256)
        log.info("console: %s logged out", session.user.name)
    response = RedirectResponse(f"{urls.LOGIN}?reason=logged_out", status_code=303)
    clear_cookie(response, request, sessions.COOKIE, path=sessions.COOKIE_PATH)
    return response
