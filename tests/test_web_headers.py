"""The security headers of the backend's web pages (backend/web_headers.py): the console's
keep a response's own headers, the phone form's win over them; pages are never cached, the
static files may be; the kiosk API gets none of them."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from backend.console.headers import ConsoleHeaders
from backend.preentry.headers import PhoneFormHeaders
from backend.web_headers import CONTENT_SECURITY_POLICY


def _answer(request):
    # A handler that sets its own cache policy, as a download or a static file would.
    return PlainTextResponse("ok", headers={"Cache-Control": "private, max-age=60"})


@pytest.fixture
def client():
    paths = ["/", "/staff/", "/staff/static/console.css", "/pre/", "/pre/static/form.css"]
    app = Starlette(routes=[Route(path, _answer) for path in [*paths, "/api/v1/health"]])
    app.add_middleware(PhoneFormHeaders)
    app.add_middleware(ConsoleHeaders)
    return TestClient(app)


def _security(headers, referrer: str) -> None:
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == referrer


@pytest.mark.parametrize("path", ["/", "/staff/"])
def test_console_pages_keep_their_own_headers_and_get_the_rest(client, path):
    headers = client.get(path).headers
    _security(headers, "same-origin")
    assert headers["cache-control"] == "private, max-age=60"  # the response's own stays


def test_console_static_files_are_not_marked_no_store(client):
    headers = client.get("/staff/static/console.css").headers
    _security(headers, "same-origin")
    assert "no-store" not in headers["cache-control"]


def test_phone_form_headers_win_over_a_pages_own(client):
    headers = client.get("/pre/").headers
    _security(headers, "no-referrer")
    assert headers["cache-control"] == "no-store"  # a shared phone's Back shows nothing
    static = client.get("/pre/static/form.css").headers
    _security(static, "no-referrer")
    assert static["cache-control"] == "public, max-age=3600"


def test_the_kiosk_api_gets_no_page_headers(client):
    headers = client.get("/api/v1/health").headers
    assert "content-security-policy" not in headers and "referrer-policy" not in headers
