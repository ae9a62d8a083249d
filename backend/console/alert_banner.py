"""The open alerts of the kiosks for the banner on every console page (templates/base.html,
templates/alerts_banner.html; backend/console/alerts.py serves it alone for the script)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request

from backend import kiosk_health
from backend.console.kiosk_words import alert_label
from backend.console.visits import VISIT_STATE

log = logging.getLogger(__name__)


def _shown(alert: dict) -> dict:
    return {**alert, "label": alert_label(alert["kind"], alert["detail"])}


def banner_alerts(request: Request) -> list[dict]:
    """The open alerts for the banner of a page for a logged-in member (none for anyone else,
    and none when the database cannot be read: the page itself matters more)."""
    visit = request.scope.get("state", {}).get(VISIT_STATE)
    if visit is None or visit.session is None:
        return []
    try:
        return [_shown(alert) for alert in kiosk_health.open_alerts(request.app.state.engine)]
    except SQLAlchemyError:
        log.exception("console: the open alerts could not be read")
        return []
