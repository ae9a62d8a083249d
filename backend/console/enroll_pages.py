"""Enrolling and revoking kiosks from the console (administrators; backend/enrollment.py does
the work, as for `kiosk backend kiosk enroll|revoke` on the backend host).

登録コードを発行 registers the kiosk if it is new (name, location) and shows a one-time code
once: large, grouped for reading aloud, with its expiry and a QR code carrying the backend's
address and the code (core.enrollment.enrollment_qr) for the setup wizard's scanner. The page
is never cached (the console's headers) and the code is stored only as a keyed hash: leaving
the page loses it, and a new one is made the same way. 無効にする revokes a stolen or replaced
kiosk's tokens and unused codes after a confirmation; it can be enrolled again.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import RedirectResponse, Response

from backend import enrollment, kiosk_health
from backend.console.alerts import client_address
from backend.console.auth import require_role
from backend.console.forms import FormFields, form_fields
from backend.console.kiosks import KIOSKS, kiosks_page
from backend.console.refusals import ConsoleRefusal
from backend.console.roles import StaffRole
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser
from backend.names import KIOSK_ID_PATTERN, InvalidName, check_kiosk_id
from backend.preentry.qr_svg import qr_svg
from core.enrollment import enrollment_qr, grouped

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ENROLL_NEW = "/staff/enroll"  # a kiosk not yet known (not under /staff/kiosks/{id})
Admin = Annotated[StaffUser, Depends(require_role(StaffRole.ADMIN))]
Form = Annotated[FormFields, Depends(form_fields)]
KioskId = Annotated[str, Path(pattern=KIOSK_ID_PATTERN)]


def _register(request: Request, user: StaffUser, kiosk_id: str, form: FormFields) -> None:
    """A new kiosk registered with its name and location (a known one is left as it is)."""
    engine = request.app.state.engine
    if kiosk_id in kiosk_health.registered(engine):
        return
    kiosk_health.register(
        engine,
        kiosk_id,
        name=form.get("name") or None,
        location=form.get("location") or None,
        who=user.audit_who,
        now=console_state(request.app).settings.clock(),
        create=True,
        address=client_address(request),
    )


def _issue(request: Request, user: StaffUser, kiosk_id: str, form: FormFields) -> Response:
    try:
        _register(request, user, kiosk_id, form)
        issued = enrollment.create_code(
            request.app.state.engine,
            enrollment.code_key(request.app.state.private_key),
            kiosk_id,
            who=user.audit_who,
            now=console_state(request.app).settings.clock(),
        )
    except kiosk_health.InvalidKioskLabel as error:
        return kiosks_page(request, user, status=422, error=f"{kiosk_id}：{error}")
    except kiosk_health.KioskExists:
        return kiosks_page(request, user, status=409, error="ほかの人が同時に登録しました。")
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    log.info("console: %s made an enrollment code for kiosk %s", user.name, kiosk_id)
    backend_url = str(request.base_url).rstrip("/")
    code = grouped(issued.code)
    return page(
        request,
        "enroll_code.html",
        kiosk_id=kiosk_id,
        registration=kiosk_health.registered(request.app.state.engine).get(kiosk_id, {}),
        code=code,
        backend_url=backend_url,
        expires=issued.expires_at.astimezone().strftime("%Y年%m月%d日 %H:%M"),
        # Every text in the drawing is escaped where it is drawn (qr_svg).
        qr=Markup(qr_svg(enrollment_qr(backend_url, issued.code), "登録コードのQRコード").svg),
    )


@router.post(ENROLL_NEW)
def enroll_new_kiosk(request: Request, user: Admin, form: Form) -> Response:
    """The form for a kiosk not yet known: its id, name and location."""
    try:
        kiosk_id = check_kiosk_id((form.get("kiosk_id") or "").strip())
    except InvalidName as error:
        return kiosks_page(request, user, status=422, error=str(error))
    return _issue(request, user, kiosk_id, form)


@router.post(KIOSKS + "/{kiosk_id}/enroll")
def enroll_kiosk(request: Request, user: Admin, form: Form, kiosk_id: KioskId) -> Response:
    return _issue(request, user, kiosk_id, form)


@router.get(KIOSKS + "/{kiosk_id}/revoke")
def confirm_revoke(request: Request, user: Admin, kiosk_id: KioskId) -> Response:
    return page(request, "revoke_kiosk.html", kiosk_id=kiosk_id)


@router.post(KIOSKS + "/{kiosk_id}/revoke")
def revoke_kiosk(request: Request, user: Admin, form: Form, kiosk_id: KioskId) -> Response:
    try:
        done = enrollment.revoke(
            request.app.state.engine,
            kiosk_id,
            who=user.audit_who,
            now=console_state(request.app).settings.clock(),
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    log.info("console: %s revoked kiosk %s (%d tokens)", user.name, kiosk_id, done.tokens)
    return RedirectResponse(
        f"{KIOSKS}?revoked={kiosk_id}&tokens={done.tokens}&codes={done.codes}", status_code=303
    )
