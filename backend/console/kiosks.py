"""The kiosks (/staff/kiosks): one row per kiosk, registered or heard from, with its connection
(online / late / offline from heartbeats: backend/kiosk_health.py's thresholds), devices,
queue, versions and clock; the latest staff calls and device problems with who acknowledged
them. Every member of staff reads it; administrators also change a kiosk's name and location
here (`kiosk backend kiosk add|set` does the same from the backend host), and enroll or revoke
kiosks (backend/console/enroll_pages.py)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import RedirectResponse, Response

from backend import enrollment, kiosk_health
from backend.console import kiosk_words
from backend.console.alerts import client_address
from backend.console.auth import CurrentStaff, require_role
from backend.console.forms import FormFields, form_fields
from backend.console.refusals import ConsoleRefusal
from backend.console.roles import StaffRole
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser
from backend.names import KIOSK_ID_PATTERN

log = logging.getLogger(__name__)

KIOSKS = "/staff/kiosks"
router = APIRouter(include_in_schema=False)


def _skew(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if abs(seconds) < 2:
        return "ずれなし"
    way = "進んでいます" if seconds > 0 else "遅れています"
    return f"{abs(seconds):.0f}秒{way}"


def kiosks_page(
    request: Request, user: StaffUser, *, status: int = 200, error: str | None = None, **extra
) -> Response:
    engine = request.app.state.engine
    now = console_state(request.app).settings.clock()
    try:
        rows = kiosk_health.overview(engine, now)
        recent = kiosk_health.recent_alerts(engine)
        letters = enrollment.letters(engine)
    except SQLAlchemyError as error_:
        raise ConsoleRefusal(503) from error_
    for alert in recent:
        alert["label"] = kiosk_words.alert_label(alert["kind"], alert["detail"])
    return page(
        request,
        "kiosks.html",
        status=status,
        kiosks=rows,
        recent=recent,
        words=kiosk_words,
        skew=_skew,
        error=error,
        saved=request.query_params.get("saved"),
        revoked=request.query_params.get("revoked"),
        letters=letters,
        online_s=int(kiosk_health.ONLINE_WITHIN.total_seconds()),
        late_min=int(kiosk_health.LATE_WITHIN.total_seconds() // 60),
        may_edit=user.role is StaffRole.ADMIN,
        **extra,
    )


@router.get(KIOSKS)
def kiosks(request: Request, user: CurrentStaff) -> Response:
    return kiosks_page(request, user)


@router.post(KIOSKS + "/{kiosk_id}")
def change_kiosk(
    request: Request,
    user: Annotated[StaffUser, Depends(require_role(StaffRole.ADMIN))],
    form: Annotated[FormFields, Depends(form_fields)],
    kiosk_id: Annotated[str, Path(pattern=KIOSK_ID_PATTERN)],
) -> Response:
    engine = request.app.state.engine
    now = console_state(request.app).settings.clock()
    known = {row.kiosk_id: row for row in kiosk_health.overview(engine, now)}
    if kiosk_id not in known:
        raise ConsoleRefusal(404, "その端末は登録されていません。")
    try:
        kiosk_health.register(
            engine,
            kiosk_id,
            name=form.get("name", ""),
            location=form.get("location", ""),
            who=user.audit_who,
            now=now,
            create=not known[kiosk_id].registered,
            address=client_address(request),
        )
    except kiosk_health.InvalidKioskLabel as error:
        return kiosks_page(request, user, status=422, error=f"{kiosk_id}：{error}")
    except (kiosk_health.KioskExists, kiosk_health.KioskUnknown):
        return kiosks_page(
            request, user, status=409, error="ほかの人が同時に変更しました。もう一度どうぞ。"
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    log.info("console: %s changed kiosk %s", user.name, kiosk_id)
    return RedirectResponse(f"{KIOSKS}?saved={kiosk_id}", status_code=303)
