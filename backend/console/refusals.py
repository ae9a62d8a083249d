"""Every refusal of the console as a plain Japanese page (or a redirect to the login page),
never a traceback, a JSON body or a 500.

Handlers raise ConsoleRefusal(status, message) and LoginRequired(); install() makes the app
answer them, and answers FastAPI's own refusals (404, 405, 422) and any unexpected error on a
console path the same way. Each refusal worth a second look is logged by whoever raises it,
without secrets.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from backend.console import sessions, urls
from backend.console.cookies import clear_cookie
from backend.console.headers import PAGE_HEADERS
from backend.console.templates import document, page

log = logging.getLogger(__name__)

TITLES = {
    400: "送られた内容を受け付けられません",
    403: "この操作はできません",
    404: "ページが見つかりません",
    405: "この操作はできません",
    408: "時間がかかりすぎました",
    413: "送られた内容が大きすぎます",
    415: "送られた内容を受け付けられません",
    422: "送られた内容を受け付けられません",
    429: "しばらく待ってください",
    431: "送られた内容が大きすぎます",
    500: "問題が起きました",
    503: "いまは使えません",
}
MESSAGES = {
    400: "画面を開き直してから、もう一度お試しください。",
    403: "この操作はできません。",
    404: "アドレスが正しいか確かめてください。最初の画面から開き直せます。",
    405: "この操作はできません。最初の画面から開き直してください。",
    408: "送信に時間がかかりすぎました。もう一度お試しください。",
    413: "送られた内容が大きすぎます。短くしてから、もう一度お試しください。",
    415: "画面を開き直してから、もう一度お試しください。",
    422: "入力された内容を確かめてから、もう一度お試しください。",
    429: "短い時間に多くの操作がありました。少し待ってから、もう一度お試しください。",
    431: "送られた内容が大きすぎます。",
    500: "問題が起きたため、この操作を終えられませんでした。もう一度お試しください。"
    "続くときは管理者に連絡してください。",
    503: "いまデータベースが使えません。少し待ってから、もう一度お試しください。",
}
# Why someone was sent to the login page (?reason=…): only these words are ever shown.
LOGIN_REASONS = {
    "expired": "しばらく操作がなかったか、ログインしてから長い時間がたちました。"
    "もう一度ログインしてください。",
    "logged_out": "ログアウトしました。",
}


class ConsoleRefusal(Exception):
    """Refuse with status and a plain Japanese message (title: the page's heading)."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.message = message or MESSAGES.get(status, MESSAGES[400])
        self.title = title or TITLES.get(status, TITLES[400])
        self.headers = headers or {}


class LoginRequired(Exception):
    """No live session: to the login page (saying it expired when a session cookie came)."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("login required")
        self.expired = expired


def refusal(
    request: Request,
    status: int,
    message: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return page(
        request,
        "refusal.html",
        status=status,
        headers=headers,
        title=title or TITLES.get(status, TITLES[400]),
        message=message or MESSAGES.get(status, MESSAGES[400]),
    )


def refusal_document(app: Any, status: int, detail: str | None = None) -> bytes:
    """The door's refusal page (backend/limits.py), with no session or form."""
    return document(
        app,
        "refusal.html",
        title=TITLES.get(status, TITLES[400]),
        message=detail or MESSAGES.get(status, MESSAGES[400]),
    )


def door_message(status: int, retry_after: str | None = None) -> str:
    """The words of a refusal at the door (backend/limits.py): 429 says how long to wait."""
    if status == 429 and retry_after:
        return (
            f"短い時間に多くの操作がありました。{retry_after}秒ほど待ってから、"
            "もう一度お試しください。"
        )
    return MESSAGES.get(status, MESSAGES[400])


def login_location(*, expired: bool, next_path: str | None = None) -> str:
    query = {}
    if expired:
        query["reason"] = "expired"
    if next_path != urls.HOME and urls.safe_next(next_path):
        query["next"] = next_path
    return urls.LOGIN + (f"?{urlencode(query)}" if query else "")


def login_redirect(request: Request, *, expired: bool) -> Response:
    """To the login page (303), back to this page afterwards if it was a GET. A live part of a
    page (htmx, HX-Request) gets 401 with HX-Redirect instead, so the whole page goes there."""
    next_path = request.url.path if request.method == "GET" else None
    location = login_location(expired=expired, next_path=next_path)
    if request.headers.get("HX-Request"):
        response: Response = PlainTextResponse(
            "ログインし直してください。", status_code=401, headers={"HX-Redirect": location}
        )
    else:
        response = RedirectResponse(location, status_code=303, headers=PAGE_HEADERS)
    if expired:  # the browser forgets the dead session's cookie
        clear_cookie(response, request, sessions.COOKIE, path=sessions.COOKIE_PATH)
    return response


async def _on_refusal(request: Request, error: ConsoleRefusal) -> Response:
    return refusal(request, error.status, error.message, title=error.title, headers=error.headers)


async def _on_login_required(request: Request, error: LoginRequired) -> Response:
    return login_redirect(request, expired=error.expired)


async def _on_http_exception(request: Request, error: StarletteHTTPException) -> Response:
    if not urls.is_console_path(request.url.path):
        return await http_exception_handler(request, error)
    return refusal(request, error.status_code if error.status_code in TITLES else 400)


async def _on_unexpected(request: Request, error: Exception) -> Response:
    # Starlette still logs the traceback (server side); the browser gets a page, not a trace.
    if not urls.is_console_path(request.url.path):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return refusal(request, 500)


def validation_refusal(request: Request) -> Response | None:
    """The page for a request FastAPI found invalid, if it was the console's (else None: the
    API's own 422 stands)."""
    if not urls.is_console_path(request.url.path):
        return None
    return refusal(request, 422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ConsoleRefusal, _on_refusal)
    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)
