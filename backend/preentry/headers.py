"""The headers of every phone-form response: only this host ('self') for everything, no
inline script or style, no framing, no referrer, and pages never kept in a cache (they hold a
resident's answers: a shared phone's Back button must not show them again). The stylesheet
may be cached: it holds nothing of anyone's."""

from __future__ import annotations

from starlette.types import ASGIApp

from backend.preentry import urls
from backend.web_headers import PathHeaders, security_headers

SECURITY_HEADERS = security_headers("no-referrer")
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
STATIC_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}


def _headers_for(path: str) -> dict[str, str]:
    return STATIC_HEADERS if path.startswith(urls.STATIC + "/") else PAGE_HEADERS


class PhoneFormHeaders(PathHeaders):
    """Every path under /pre; ours win: no page here may be cached."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(
            app, applies=urls.is_phone_form_path, headers_for=_headers_for, replace=True
        )
