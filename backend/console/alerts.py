"""Staff calls and device problems from the kiosks, on every console page.

Every page's layout (templates/base.html) shows the alerts nobody acknowledged yet as a
banner naming the kiosk and where it stands, each with an acknowledge button (a plain form:
it works without JavaScript). static/alerts.js asks BANNER for the banner again every
2.5 s and puts it in place, so a call appears on an open page within about 3 s of its
heartbeat. Acknowledging (who, when, from which address) is audited and clears the alert for
everyone; the kiosk learns of it with its next heartbeat reply (backend/kiosk_health.py).

Asking for the banner does not count as activity: a page left open all day still ends its
session after 30 idle minutes (the answer is then 401, and the script reloads the page, which
goes to the login page).
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backend import kiosk_health
from backend.console import urls
from backend.console.alert_banner import banner_alerts
from backend.console.auth import CurrentStaff, csrf_field
from backend.console.headers import PAGE_HEADERS
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.console.templates import render
from backend.console.visits import visit_of

log = logging.getLogger(__name__)

BANNER = "/staff/alerts/banner"
ACKNOWLEDGE = "/staff/alerts/{alert_id}/acknowledge"
SCRIPT = f"{urls.STATIC}/alerts.js"

router = APIRouter(include_in_schema=False)


def client_address(request: Request) -> str | None:
    """The client's address as uvicorn settled it (X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else None


@router.get(BANNER)
def banner(request: Request) -> Response:
    """The banner alone, for alerts.js. A live session is needed, but not touched."""
    visit = visit_of(request.scope)
    if visit.session is None:
        return HTMLResponse("", status_code=401, headers=PAGE_HEADERS)
    html = render(
        "alerts_banner.html",
        {"alerts": banner_alerts(request), "csrf_field": csrf_field(request)},
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


def _back(request: Request) -> str:
    """The page the button was pressed on (its Referer, same origin by the Referrer-Policy),
    when it is a console page; else the home page."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    path = parts.path if parts.netloc in ("", request.headers.get("host", "")) else ""
    return urls.safe_next(path) or urls.HOME


@router.post(ACKNOWLEDGE)
def acknowledge(
    request: Request,
    user: CurrentStaff,
    alert_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    now = console_state(request.app).settings.clock()
    try:
        alert = kiosk_health.acknowledge(
            request.app.state.engine,
            alert_id,
            who=user.audit_who,
            now=now,
            address=client_address(request),
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    if alert is None:
        raise ConsoleRefusal(404, "その呼び出しは見つかりません。画面を読み込み直してください。")
    log.info("console: %s acknowledged alert %s of %s", user.name, alert_id, alert["kiosk_id"])
    if request.headers.get("x-requested-with") == "fetch":  # alerts.js: it asks again itself
        return Response(status_code=204)
    return RedirectResponse(_back(request), status_code=303)
