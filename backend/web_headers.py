"""Security headers for the backend's web pages (the staff console, the phone form): one
Content-Security-Policy of this host only ('self', no inline script or style), no framing, no
sniffing, and the ASGI middleware that adds a set of headers to every response under a path,
whoever made it (a page, a redirect, the static files, the door's refusals)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def security_headers(referrer_policy: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": referrer_policy,
    }


class PathHeaders:
    """Pure ASGI middleware: headers_for(path) on every HTTP response whose path applies;
    with replace, they win over a response's own (else a response's own stay)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        applies: Callable[[str], bool],
        headers_for: Callable[[str], Mapping[str, str]],
        replace: bool,
    ) -> None:
        self.app = app
        self.applies = applies
        self.headers_for = headers_for
        self.replace = replace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.applies(path):
            await self.app(scope, receive, send)
            return
        wanted = self.headers_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if self.replace or name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
