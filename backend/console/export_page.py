"""Export for supervisors and administrators (/staff/export): the applications a filter
selects (status, procedure, kiosk, received since a day) as CSV (UTF-8 with a BOM, every
cell formula-safe through core/csv_safe.py) or JSON Lines, with their answers opened, as a
download. backend/export.py writes both, exactly as `kiosk backend export` does, and records
each export (who, from which address, the filters, how many rows) in the audit log, also one
that failed half-way. The download is a POST (with the CSRF token), so a link on another site
can never start one."""

from __future__ import annotations

import io
import logging
import re
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from backend import export
from backend.applications import Filters
from backend.console.alerts import client_address
from backend.console.audit_page import SupervisorOrAdmin
from backend.console.forms import FormFields, form_fields
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.console.templates import page
from backend.names import KIOSK_ID_PATTERN
from backend.procedure_labels import load_current
from core.wire import StaffStatus

log = logging.getLogger(__name__)

EXPORT = "/staff/export"
FORMATS = {"csv": "CSV（Excel 用）", "jsonl": "JSON Lines"}
router = APIRouter(include_in_schema=False)


def _form(
    request: Request,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    labels = load_current(request.app.state.catalog)
    procedures = {pid: label.title for pid, label in sorted(labels.items())}
    return page(
        request,
        "export.html",
        status=status,
        problems=problems or [],
        statuses=[s.value for s in StaffStatus],
        procedures=procedures,
        formats=FORMATS,
        values={
            "status": "",
            "procedure": "",
            "kiosk": "",
            "since": "",
            "format": "csv",
            **(values or {}),
        },
    )


@router.get(EXPORT)
def export_form(request: Request, user: SupervisorOrAdmin) -> Response:
    return _form(request)


def _filters(form: FormFields) -> tuple[Filters | None, list[str]]:
    problems = []
    status = form.get("status", "")
    if status and status not in {s.value for s in StaffStatus}:
        problems.append("状態が正しくありません。")
    procedure = form.get("procedure", "").strip()
    if procedure and not re.fullmatch(r"[0-9a-z_.-]{1,64}", procedure):
        problems.append("手続きが正しくありません。")
    kiosk = form.get("kiosk", "").strip()
    if kiosk and not re.fullmatch(KIOSK_ID_PATTERN, kiosk):
        problems.append("端末IDは英小文字・数字・ハイフンで入れてください。")
    since_text = form.get("since", "").strip()
    since = None
    if since_text:
        try:
            since = datetime.combine(date.fromisoformat(since_text), time()).astimezone()
        except ValueError:
            problems.append("日付は 2026-12-04 の形で入れてください。")
    if form.get("format", "csv") not in FORMATS:
        problems.append("書き出す形式が正しくありません。")
    if problems:
        return None, problems
    return Filters(
        status=StaffStatus(status) if status else None,
        procedure_id=procedure or None,
        kiosk_id=kiosk or None,
        since=since,
    ), []


@router.post(EXPORT)
def export_download(
    request: Request,
    user: SupervisorOrAdmin,
    form: Annotated[FormFields, Depends(form_fields)],
) -> Response:
    filters, problems = _filters(form)
    values = {name: form.get(name, "") for name in ("status", "procedure", "kiosk", "since")}
    values["format"] = form.get("format", "csv")
    if filters is None:
        return _form(request, status=422, problems=problems, values=values)
    engine = request.app.state.engine
    private_key = request.app.state.private_key
    skipped: list[str] = []

    def note(kiosk_id: str, application_id: str, reason: str) -> None:
        skipped.append(application_id)
        log.warning("console export: %s/%s skipped: %s", kiosk_id, application_id, reason)

    out = io.StringIO(newline="")
    common = {"skipped": note, "who": user.audit_who, "address": client_address(request)}
    try:
        if values["format"] == "csv":
            labels = load_current(request.app.state.catalog)
            rows = export.write_csv(engine, filters, private_key, labels, out, **common)
            body, media = out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
        else:
            rows = export.write_jsonl(engine, filters, private_key, out, **common)
            body, media = out.getvalue().encode("utf-8"), "application/x-ndjson; charset=utf-8"
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    stamp = console_state(request.app).settings.clock().astimezone().strftime("%Y%m%d-%H%M%S")
    name = f"madoguchi-{stamp}.{values['format']}"
    log.info("console: %s exported %d applications as %s", user.name, rows, values["format"])
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Madoguchi-Rows": str(rows),
            "X-Madoguchi-Skipped": str(len(skipped)),
        },
    )
