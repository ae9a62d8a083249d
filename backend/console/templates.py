"""The console's pages: Jinja2 templates from templates/, autoescaped without exception.

page() renders one for a request with what every page needs (the municipality's name, the
logged-in user for the header, the CSRF field for forms, the stylesheet's address), as an
HTMLResponse with the console's headers (backend/console/headers.py adds them to every other
console response too). Anything a resident, kiosk or staff member typed is escaped: never mark
such text safe (|safe, Markup) in a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from backend.console import urls
from backend.console.alert_banner import banner_alerts
from backend.console.csrf_tokens import csrf_field
from backend.console.headers import PAGE_HEADERS
from backend.console.municipality import FALLBACK, municipality_name
from backend.console.users import StaffUser
from backend.console.visits import VISIT_STATE

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # every template, whatever its file name
    undefined=StrictUndefined,  # a misspelt variable is an error in the tests, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # the templates ship with the package: no stat per page
)


def _visitor(request: Request) -> StaffUser | None:
    visit = request.scope.get("state", {}).get(VISIT_STATE)
    return visit.session.user if visit is not None and visit.session is not None else None


def _municipality(app: Any) -> str:
    catalog = getattr(app.state, "catalog", None)
    return municipality_name(catalog) if catalog is not None else FALLBACK


def render(template: str, context: Mapping[str, Any]) -> str:
    base = {
        "user": None,
        "csrf_field": "",
        "stylesheet": urls.STYLESHEET,
        "urls": urls,
        "alerts": [],  # the kiosks' open alerts, on every page of a logged-in member
    }
    return environment.get_template(template).render({**base, **context})


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """template rendered for request: context plus municipality, user (the logged-in staff
    member, or None), csrf_field, stylesheet and urls."""
    base = {
        "municipality": _municipality(request.app),
        "user": _visitor(request),
        "csrf_field": csrf_field(request),
        "alerts": banner_alerts(request),
    }
    html = render(template, {**base, **context})
    return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def document(app: Any, template: str, **context: Any) -> bytes:
    """A page without a request (the door's refusals): no user, no forms."""
    return render(template, {"municipality": _municipality(app), **context}).encode("utf-8")
