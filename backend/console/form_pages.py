"""The printed 申請書 from the console: the day's forms as one PDF for the archive
(POST /staff/queue/forms.pdf, the queue's filters; CSRF-checked like every console POST), and
the response both it and the application page's 印刷 button (backend/console/application.py)
answer with.

A PDF shows every answer: it is made only for a staff member who may see the application
(clerks: their divisions), each application in it is written to the audit log as opened
(`document: pdf`) before the PDF leaves, and it is never cached (Cache-Control: no-store).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from backend import audit
from backend.application_pdf import filled_form
from backend.console import listing, urls
from backend.console.alerts import client_address
from backend.console.auth import CurrentStaff, divisions_visible
from backend.console.catalog_view import console_catalog
from backend.console.forms import FormFields, form_fields
from backend.console.listing import QueueFilters
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.db import WRITE
from backend.keys import open_payload
from core.application_form import render_forms
from core.form_fonts import FormFontMissing
from core.sealing import SealingError

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

BULK = urls.QUEUE_FORMS
# One office's day, and then some; more asks for a narrower filter (as the queue does).
MAX_FORMS = listing.MAX_ROWS
AUDIT_DETAIL = {"via": "console", "document": "pdf"}


def pdf_response(data: bytes, file_name: str) -> Response:
    """inline: the browser opens it in its own viewer, from which the clerk prints."""
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{file_name}"',
        },
    )


def render(forms: list, title: str) -> bytes:
    """The PDF, or a plain 503 page when the fonts it needs are not installed."""
    try:
        return render_forms(forms, title)
    except FormFontMissing as error:
        log.error("console: no PDF: %s", error)
        raise ConsoleRefusal(
            503,
            "申請書のPDFを作れません（日本語フォントがありません）。管理者に連絡してください。",
            title="PDFを作れません",
        ) from None


@router.post(BULK)
def day_forms(
    request: Request, user: CurrentStaff, form: Annotated[FormFields, Depends(form_fields)]
) -> Response:
    """Every application the queue's filters show this member, one form after another."""
    engine = request.app.state.engine
    catalog = console_catalog(request.app.state.catalog)
    scope = divisions_visible(user)
    now = console_state(request.app).settings.clock()
    filters = QueueFilters.from_query(form, now)
    hidden = [] if scope.everything else catalog.hidden_from(scope.allows)
    try:
        total, rows = listing.queue(engine, filters, hidden)
        if total > MAX_FORMS:
            raise ConsoleRefusal(
                422,
                f"{total}件は多すぎます（一度に{MAX_FORMS}件まで）。"
                "状態や手続きで絞り込んでから、もう一度お試しください。",
            )
        stored = [listing.one(engine, row["kiosk_id"], row["id"]) for row in rows]
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    forms, opened = [], []
    for row in (row for row in stored if row is not None):
        try:
            given = open_payload(row["sealed"], request.app.state.private_key, row["id"])
            answers = given["answers"]
            if not isinstance(answers, dict):
                raise SealingError("the answers are not a mapping")
        except (SealingError, KeyError, TypeError) as error:
            # Left out, not fatal: the clerk sees it refused on its own page.
            log.warning("console: application %s left out of the PDF: %s", row["id"], error)
            continue
        forms.append(filled_form(row, answers, catalog))
        opened.append(row)
    if not forms:
        raise ConsoleRefusal(404, "印刷する申請がありません。絞り込みの条件を確かめてください。")
    data = render(forms, f"申請書 {filters.day.isoformat()}")
    try:
        # Every application in the PDF is on record as seen, in one transaction.
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            for row in opened:
                audit.append(
                    connection,
                    who=user.audit_who,
                    action=audit.Action.OPEN,
                    kiosk_id=row["kiosk_id"],
                    application_id=row["id"],
                    detail={**AUDIT_DETAIL, "bulk": len(opened)},
                    address=client_address(request),
                )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    return pdf_response(data, f"applications-{filters.day.isoformat()}.pdf")
