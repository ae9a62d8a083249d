"""The CSRF check of every POST, PUT, PATCH and DELETE under /staff/, before any handler runs.

A pure ASGI middleware inside the door (backend/limits.py, which has already bounded and read
the body), so a new console route is covered without declaring anything. The token comes from
the X-CSRF-Token header or the form field csrf_token (backend/console/csrf_tokens.py) and must
equal, compared in constant time, the session's, or on the login form the login cookie's. A
change without a live session goes to the login page; a missing or forged token gets a plain
Japanese page (403) and a logged event naming the request, never a token.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.console import urls
from backend.console.csrf_tokens import FIELD, HEADER, LOGIN_COOKIE, tokens_match
from backend.console.refusals import login_redirect, refusal
from backend.console.visits import resolve_visit
from backend.ratelimit import client_key

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 200
FORGED = "この操作は受け付けられませんでした。画面を開き直してから、もう一度お試しください。"
LOGIN_FORGED = "ログイン画面の有効期限が切れました。ログイン画面を開き直してください。"


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return None


def presented_token(scope: Scope, body: bytes) -> str | None:
    """The token the request carries: its header, else its form field."""
    header = _header(scope, HEADER.lower().encode())
    if header:
        return header
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return None
    try:
        fields = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
            errors="strict",
        )
    except ValueError:  # not UTF-8, or too many fields: no token to be found
        return None
    return next((value for name, value in fields if name == FIELD), None)


async def _whole_body(receive: Receive) -> tuple[bytes, bool]:
    """The body (already bounded by the door), and whether the client is still there."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    pending = [body]

    async def replayed() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replayed


class CsrfGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or not urls.is_console_path(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        body, connected = await _whole_body(receive)
        if not connected:
            return
        request = Request(scope, _replay(body, receive))
        presented = presented_token(scope, body)
        who = "no session"
        if scope["path"] == urls.LOGIN:
            expected = cookie_parser(_header(scope, b"cookie") or "").get(LOGIN_COOKIE)
            forged_message = LOGIN_FORGED
        else:
            try:
                visit = await resolve_visit(scope)
            except SQLAlchemyError:
                await refusal(request, 503)(scope, receive, send)
                return
            if visit.session is None:
                await login_redirect(request, expired=visit.presented)(scope, receive, send)
                return
            expected, who = visit.session.csrf_token, visit.session.user.name
            forged_message = FORGED
        if not tokens_match(presented, expected):
            log.warning(
                "console: CSRF token %s on %s %s from %s (%s)",
                "missing" if not presented else "wrong",
                scope["method"],
                scope["path"],
                client_key(scope.get("client")),
                who,
            )
            await refusal(request, 403, forged_message)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)
