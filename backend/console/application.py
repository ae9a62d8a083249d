"""One application (/staff/applications/{kiosk}/{id}): its answers in the catalog's Japanese,
characters older systems cannot take flagged, the documents to see and the fee, the status
form (受付済 → 処理中 → 完了, or 差戻し with a reason; each with a comment) and its history.

Every opening is written to the audit log (backend/audit.py, action open, who =
console:NAME) before the answers are shown; a status change and its audit entry are one
transaction. A clerk opening another division's application gets a plain 403 page (and a log
line); an application whose sealed answers no longer open gets a plain page, never a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import RedirectResponse, Response

from backend import audit
from backend.application_pdf import file_name, filled_form
from backend.applications import SUMMARY_COLUMNS
from backend.console import answers, checklist, form_pages, listing
from backend.console.alerts import client_address
from backend.console.auth import CurrentStaff, divisions_visible
from backend.console.catalog_view import ConsoleCatalog, console_catalog
from backend.console.forms import FormFields, form_fields
from backend.console.queue import application_url
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser
from backend.db import WRITE, applications
from backend.keys import open_payload
from core.sealing import SealingError
from core.wire import APPLICATION_ID_PATTERN, KIOSK_ID_PATTERN, StaffStatus

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

PATH = "/staff/applications/{kiosk_id}/{application_id}"
MAX_COMMENT = 500
_KIOSK = re.compile(KIOSK_ID_PATTERN)
_ID = re.compile(APPLICATION_ID_PATTERN)

S = StaffStatus
# Where an application may go from each status (a 完了 reopened, a 差戻し taken up again).
NEXT: dict[str, tuple[StaffStatus, ...]] = {
    S.RECEIVED.value: (S.IN_PROGRESS, S.RETURNED),
    S.IN_PROGRESS.value: (S.DONE, S.RETURNED, S.RECEIVED),
    S.DONE.value: (S.IN_PROGRESS,),
    S.RETURNED.value: (S.IN_PROGRESS,),
}
ACTION_WORDS = {"open": "開いた", "status": "状態を変えた", "export": "書き出した"}
VIA_WORDS = {"console": "職員用画面", "receipt": "受付票QR", "id": "API", "cli": "コマンド"}


def _audit(target, request: Request, **entry: Any) -> None:
    """audit.append with the client's address (who did what, from which PC)."""
    audit.append(target, address=client_address(request), **entry)


def _checked(kiosk_id: str, application_id: str) -> None:
    if not _KIOSK.fullmatch(kiosk_id) or not _ID.fullmatch(application_id):
        raise ConsoleRefusal(404, "この申請は見つかりません。受付番号から探し直してください。")


def _visible(request: Request, user: StaffUser, catalog: ConsoleCatalog, row: dict) -> None:
    division = catalog.division(row["procedure_id"])
    if division is None or divisions_visible(user).allows(division):
        return
    log.warning(
        "console: %s refused application %s of kiosk %s (division %s) from %s",
        user.name,
        row["id"],
        row["kiosk_id"],
        division,
        client_address(request),
    )
    raise ConsoleRefusal(
        403,
        "この申請は、担当の課の申請ではないため見られません。担当の課の職員に回してください。",
        title="この申請は見られません",
    )


def _answers(request: Request, row: dict, user: StaffUser) -> dict[str, Any]:
    """The application's answers, opened with the municipality's key; a plain 409 page when
    they no longer open."""
    try:
        payload = open_payload(row["sealed"], request.app.state.private_key, row["id"])
        given = payload["answers"]
        if not isinstance(given, dict):
            raise SealingError("the answers are not a mapping")
    except (SealingError, KeyError, TypeError) as error:
        log.warning(
            "console: application %s of kiosk %s cannot be opened for %s: %s",
            row["id"],
            row["kiosk_id"],
            user.name,
            type(error).__name__,
        )
        raise ConsoleRefusal(
            409,
            "この申請の内容を開けません（鍵が替わったか、データが壊れています）。"
            "管理者に連絡してください。受付番号と端末をお伝えください。",
            title="この申請は開けません",
        ) from None
    return given


def _history(target, kiosk_id: str, application_id: str) -> list[dict]:
    rows = audit.entries(target, application_id=application_id, kiosk_id=kiosk_id, limit=200)
    history = []
    for entry in rows:
        detail = entry.get("detail") or {}
        who = entry["who"].removeprefix("console:")
        if entry["action"] == "status":
            what = f"{detail.get('from', '?')} → {detail.get('to', '?')}"
            if detail.get("checked"):
                what += "（確認: " + "／".join(detail["checked"]) + "）"
        else:
            what = ACTION_WORDS.get(entry["action"], entry["action"])
            if detail.get("document") == "pdf":
                what = "申請書を印刷用に開いた" + ("（一括）" if detail.get("bulk") else "")
            if detail.get("via"):
                what += f"（{VIA_WORDS.get(detail['via'], detail['via'])}）"
        history.append(
            {
                "when": listing.clock_text(entry["at"], with_date=True),
                "who": who,
                "what": what,
                "reason": detail.get("reason") or "",
                "comment": detail.get("comment") or "",
            }
        )
    return history


def _opened(
    request: Request, user: StaffUser, kiosk_id: str, application_id: str
) -> tuple[ConsoleCatalog, dict, dict[str, Any]]:
    """The catalog, the application and its answers, for a member who may see it: 404 for
    none, 403 for another division's, 409 when the answers no longer open."""
    _checked(kiosk_id, application_id)
    catalog = console_catalog(request.app.state.catalog)
    try:
        row = listing.one(request.app.state.engine, kiosk_id, application_id)
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    if row is None:
        raise ConsoleRefusal(404, "この申請は見つかりません。受付番号から探し直してください。")
    _visible(request, user, catalog, row)
    return catalog, row, _answers(request, row, user)


@router.get(PATH)
def application_page(
    kiosk_id: str, application_id: str, request: Request, user: CurrentStaff
) -> Response:
    engine = request.app.state.engine
    catalog, row, given = _opened(request, user, kiosk_id, application_id)
    try:
        # Answers are shown only when who saw them is on record; the history is read in the
        # same transaction (this opening included, one connection instead of two).
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            _audit(
                connection,
                request,
                who=user.audit_who,
                action=audit.Action.OPEN,
                kiosk_id=row["kiosk_id"],
                application_id=row["id"],
                detail={"via": "console"},
            )
            history = _history(connection, kiosk_id, application_id)
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    procedure = catalog.procedures.get(row["procedure_id"])
    fee, check_lines, counter_flags = checklist.counter_checks(catalog, row, given)
    now = console_state(request.app).settings.clock()
    return page(
        request,
        "application.html",
        row=row,
        title=catalog.title(row["procedure_id"]),
        counter=catalog.counter_text(row["procedure_id"]),
        division=catalog.division(row["procedure_id"]),
        sections=answers.sections(procedure, given),
        form_url=application_url(kiosk_id, application_id) + "/form.pdf",
        fee=fee,
        checklist=check_lines,
        check_field=checklist.FIELD,
        counter_flags=counter_flags,
        done=StaffStatus.DONE.value,
        version_note=(procedure is not None and procedure.version != row["procedure_version"]),
        catalog_version=procedure.version if procedure else None,
        received=listing.clock_text(row["received_at"], with_date=True),
        created=listing.clock_text(row["created_at"], with_date=True),
        waiting=listing.waiting(row, now),
        next_statuses=[status.value for status in NEXT.get(row["staff_status"], ())],
        returned=StaffStatus.RETURNED.value,
        status_url=application_url(kiosk_id, application_id) + "/status",
        max_comment=MAX_COMMENT,
        history=history,
    )


def _text(form: FormFields, name: str) -> str:
    value = (form.get(name) or "").replace("\r\n", "\n").strip()
    if len(value) > MAX_COMMENT:
        raise ConsoleRefusal(
            422,
            f"コメントと理由は{MAX_COMMENT}文字までです。短くしてから、もう一度お試しください。",
        )
    return value


def _all_ticked(
    request: Request, user: StaffUser, catalog: ConsoleCatalog, row: dict, form: FormFields
) -> list[str]:
    """The checklist's lines, when every one was ticked on the page; else a plain 422 naming
    those left (完了 is the clerk's word that each was seen)."""
    _, lines, _ = checklist.counter_checks(catalog, row, _answers(request, row, user))
    left = checklist.missing(lines, form.getlist(checklist.FIELD))
    if left:
        raise ConsoleRefusal(
            422,
            f"「{StaffStatus.DONE.value}」にする前に、次を確認してチェックしてください："
            + "／".join(line.text for line in left)
            + "。前の画面に戻ると、チェックした項目はそのままです。",
            title="まだ確認していないものがあります",
        )
    return [line.text for line in lines]


@router.post(PATH + "/status")
def change_status(
    kiosk_id: str,
    application_id: str,
    request: Request,
    user: CurrentStaff,
    form: Annotated[FormFields, Depends(form_fields)],
) -> Response:
    _checked(kiosk_id, application_id)
    wanted = form.get("status") or ""
    if wanted not in set(StaffStatus):
        raise ConsoleRefusal(422, "次の状態を選んでから、もう一度お試しください。")
    comment = _text(form, "comment")
    reason = _text(form, "reason")
    if wanted == StaffStatus.RETURNED.value and not reason:
        raise ConsoleRefusal(
            422, "差戻しには理由が必要です。理由を書いてから、もう一度お試しください。"
        )
    expected = form.get("from") or ""
    engine = request.app.state.engine
    catalog = console_catalog(request.app.state.catalog)
    key = (applications.c.kiosk_id == kiosk_id, applications.c.id == application_id)
    try:
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            row = (
                connection.execute(select(*SUMMARY_COLUMNS, applications.c.sealed).where(*key))
                .mappings()
                .first()
            )
            if row is None:
                raise ConsoleRefusal(404, "この申請は見つかりません。")
            _visible(request, user, catalog, dict(row))
            current = row["staff_status"]
            if expected and expected != current:
                raise ConsoleRefusal(
                    409,
                    f"この申請は、ほかの職員がすでに「{current}」にしました。"
                    "申請を開き直して確かめてください。",
                    title="状態が変わっていました",
                )
            if StaffStatus(wanted) not in NEXT.get(current, ()):
                raise ConsoleRefusal(
                    409,
                    f"「{current}」から「{wanted}」には変えられません。",
                    title="状態を変えられません",
                )
            checked = []
            if wanted == StaffStatus.DONE.value:
                checked = _all_ticked(request, user, catalog, dict(row), form)
            connection.execute(
                update(applications)
                .where(*key)
                .values(staff_status=wanted, status_changed_at=listing.utc_now())
            )
            detail = {"from": current, "to": wanted}
            if comment:
                detail["comment"] = comment
            if reason:
                detail["reason"] = reason
            if checked:
                detail["checked"] = checked  # who ticked what: the audit entry's who
            _audit(
                connection,
                request,
                who=user.audit_who,
                action=audit.Action.STATUS,
                kiosk_id=kiosk_id,
                application_id=application_id,
                detail=detail,
            )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    return RedirectResponse(application_url(kiosk_id, application_id), status_code=303)


@router.get(PATH + "/form.pdf")
def application_form(
    kiosk_id: str, application_id: str, request: Request, user: CurrentStaff
) -> Response:
    """The filled-in 申請書 (the 印刷 button): the same checks and audit entry as the page."""
    engine = request.app.state.engine
    catalog, row, given = _opened(request, user, kiosk_id, application_id)
    data = form_pages.render(
        [filled_form(row, given, catalog)], f"{catalog.title(row['procedure_id'])} 申請書"
    )
    try:
        _audit(
            engine,
            request,
            who=user.audit_who,
            action=audit.Action.OPEN,
            kiosk_id=row["kiosk_id"],
            application_id=row["id"],
            detail=form_pages.AUDIT_DETAIL,
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    return form_pages.pdf_response(data, file_name(row))
