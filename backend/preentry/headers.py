"""The headers of every phone-form response: only this host ('self') for everything, no
inline script or style, no framing, no referrer, and pages never kept in a cache (they hold a
resident's answers: a shared phone's Back button must not show them again). The stylesheet
may be cached: it holds nothing of anyone's."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.preentry import urls

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
STATIC_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}


class PhoneFormHeaders:
    """Pure ASGI middleware for every path under /pre."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not urls.is_phone_form_path(path):
            await self.app(scope, receive, send)
            return
        wanted = STATIC_HEADERS if path.startswith(urls.STATIC + "/") else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers[name] = value  # ours win: no page here may be cached
            await send(message)

        await self.app(scope, receive, send_with_headers)
