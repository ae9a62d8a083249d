"""The headers of every console response: a Content-Security-Policy that allows only this
host ('self'), no framing, no sniffing, no referrer to other sites, and pages never kept in a
browser's or proxy's cache (they show residents' applications; Back after logout must not
show one again). ConsoleHeaders adds them to every response under /staff/ and to `/`,
whoever made it (a page, a redirect, the static files, the door's refusals)."""

from __future__ import annotations

from starlette.types import ASGIApp

from backend.console import urls
from backend.web_headers import PathHeaders, security_headers

SECURITY_HEADERS = security_headers("same-origin")
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


def _console(path: str) -> bool:
    return path == "/" or urls.is_console_path(path)


def _headers_for(path: str) -> dict[str, str]:
    # Stylesheets may be cached (they hold nothing personal; ETag revalidates them).
    return SECURITY_HEADERS if path.startswith(urls.STATIC + "/") else PAGE_HEADERS


class ConsoleHeaders(PathHeaders):
    """Outermost, so that it sees the door's answers too; a response's own headers stay."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, applies=_console, headers_for=_headers_for, replace=False)
