"""The headers of every console response: a Content-Security-Policy that allows only this
host ('self'), no framing, no sniffing, no referrer to other sites, and pages never kept in a
browser's or proxy's cache (they show residents' applications; Back after logout must not
show one again). ConsoleHeaders adds them to every response under /staff/ and to `/`,
whoever made it (a page, a redirect, the static files, the door's refusals)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.console import urls

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


class ConsoleHeaders:
    """Pure ASGI middleware; outermost, so that it sees the door's answers too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/" or urls.is_console_path(path)):
            await self.app(scope, receive, send)
            return
        # Stylesheets may be cached (they hold nothing personal; ETag revalidates them).
        wanted = SECURITY_HEADERS if path.startswith(urls.STATIC + "/") else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
