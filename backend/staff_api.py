"""The staff API (a staff token): list and filter applications, open one (answers decrypted
with the municipality's key) by its id or by the QR code of its receipt, set its status, and
see every kiosk's health.

Every parameter is bounded like the kiosk API's fields (a 422 naming it otherwise). An
application is named by its id and, where two kiosks used one id, its kiosk (?kiosk_id=; a
409 lists the kiosks when it is needed and missing). Opening one and changing its status are
written to the audit log (backend/audit.py) with the staff token's name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import AfterValidator
from sqlalchemy.exc import SQLAlchemyError

from backend import applications, audit, kiosk_health
from backend.applications import AmbiguousApplication, Filters
from backend.auth import staff_caller
from backend.console import checklist
from backend.console.catalog_view import console_catalog
from backend.keys import open_payload
from backend.receipt_scan import ReceiptScanRefused, open_sealed_receipt
from backend.staff_models import (
    ApplicationDetail,
    ApplicationPage,
    ApplicationSummary,
    CheckItem,
    KioskHealth,
    StatusUpdate,
)
from backend.validation import ValidatedRoute
from core.receipt import MAX_QR_CHARS, parse_qr_payload
from core.sealed_receipt import MAX_CODE_CHARS, is_sealed_receipt
from core.sealing import SealingError
from core.wire import (
    APPLICATION_ID_PATTERN,
    EARLIEST,
    KIOSK_ID_PATTERN,
    LATEST,
    PROCEDURE_ID_PATTERN,
    STAFF_PREFIX,
    StaffStatus,
)

MAX_PAGE = 1000
DATABASE_BUSY = "the database cannot take this now; try again later"
MAX_OFFSET = 10_000_000  # far beyond any office's applications, far below SQL's 2^63

router = APIRouter(
    prefix=STAFF_PREFIX,
    tags=["staff"],
    dependencies=[Depends(staff_caller)],
    route_class=ValidatedRoute,
)


def _plausible_since(moment: datetime | None) -> datetime | None:
    # Compared, not converted: year 1 with an offset would overflow on the way to UTC.
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not EARLIEST <= aware < LATEST:
        raise ValueError(f"must lie between {EARLIEST.year} and {LATEST.year}")
    return aware


ApplicationIdPath = Annotated[str, Path(pattern=APPLICATION_ID_PATTERN)]
KioskQuery = Annotated[
    str | None,
    Query(pattern=KIOSK_ID_PATTERN, description="the kiosk, where two kiosks used one id"),
]
Who = Annotated[str, Depends(staff_caller)]  # the staff token's name, for the audit log

NOT_FOUND = {404: {"description": "no such application"}}
CONFLICT = {
    409: {
        "description": "the id names applications of several kiosks (give kiosk_id), or the "
        "sealed answers cannot be opened"
    }
}


@router.get("/applications", response_model=ApplicationPage, summary="List and filter")
def list_applications(
    request: Request,
    status: StaffStatus | None = None,
    procedure_id: Annotated[str | None, Query(pattern=PROCEDURE_ID_PATTERN)] = None,
    kiosk_id: Annotated[str | None, Query(pattern=KIOSK_ID_PATTERN)] = None,
    since: Annotated[
        datetime | None,
        Query(description="received at or after (ISO 8601; UTC without an offset)"),
        AfterValidator(_plausible_since),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ApplicationPage:
    filters = Filters(status, procedure_id, kiosk_id, since)
    total, rows = applications.summaries(request.app.state.engine, filters, limit, offset)
    return ApplicationPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[ApplicationSummary.model_validate(row) for row in rows],
    )


def _opened(request: Request, row: dict | None, who: str, via: str) -> ApplicationDetail:
    """The application with its answers, recorded as opened by who; 404 or 409 if it cannot."""
    if row is None:
        raise HTTPException(404, "no such application")
    try:
        payload = open_payload(row["sealed"], request.app.state.private_key, row["id"])
    except SealingError as error:
        # Received before its content was checked, or the key was replaced since: reported,
        # never a 500 (the reason names what is wrong, never what the answers say).
        raise HTTPException(409, f"the sealed answers cannot be opened: {error}") from None
    try:
        audit.append(
            request.app.state.engine,
            who=who,
            action=audit.Action.OPEN,
            kiosk_id=row["kiosk_id"],
            application_id=row["id"],
            detail={"via": via},
        )
    except SQLAlchemyError:
        # Answers are shown only when who saw them is on record.
        raise HTTPException(503, DATABASE_BUSY, headers={"Retry-After": "30"}) from None
    return ApplicationDetail(
        **row, answers=payload["answers"], checklist=_checklist(request, row, payload["answers"])
    )


def _checklist(request: Request, row: dict, given: dict) -> list[CheckItem]:
    """The counter's checklist, as the console's page shows it."""
    catalog = console_catalog(request.app.state.catalog)
    _, lines, _ = checklist.counter_checks(catalog, row, given)
    return [CheckItem(key=line.key, text=line.text) for line in lines]


def _all_checked(request: Request, application_id: str, kiosk_id: str | None, checked) -> list:
    """The checklist's texts when checked names every line of it (完了 is the member's word
    that each was seen, by a person or a script alike); else a 422 naming the lines left."""
    row = _one(request, application_id, kiosk_id)
    if row is None:
        raise HTTPException(404, "no such application")
    try:
        given = open_payload(row["sealed"], request.app.state.private_key, row["id"])["answers"]
    except SealingError as error:
        raise HTTPException(409, f"the sealed answers cannot be opened: {error}") from None
    lines = _checklist(request, row, given)
    left = [line for line in lines if line.key not in set(checked)]
    if left:
        raise HTTPException(
            422,
            {
                "reason": "unchecked",
                "message": f"check every line of the checklist before {StaffStatus.DONE.value}",
                "unchecked": [line.model_dump() for line in left],
            },
        )
    return [line.text for line in lines]


def _one(request: Request, application_id: str, kiosk_id: str | None, **narrow) -> dict | None:
    try:
        return applications.one(request.app.state.engine, application_id, kiosk_id, **narrow)
    except AmbiguousApplication as error:
        raise HTTPException(409, str(error)) from None


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationDetail,
    summary="One application with its answers",
    responses={**NOT_FOUND, **CONFLICT},
)
def open_application(
    application_id: ApplicationIdPath, request: Request, who: Who, kiosk_id: KioskQuery = None
) -> ApplicationDetail:
    row = _one(request, application_id, kiosk_id)
    return _opened(request, row, who, "id")


@router.get(
    "/receipt",
    response_model=ApplicationDetail,
    summary="The application a scanned receipt QR names (MADOGUCHI1, 2, or a sealed MADOGUCHI3, "
    "which is stored once, marked unsynced, when its kiosk has not synced it yet)",
    responses={
        **NOT_FOUND,
        **CONFLICT,
        403: {"description": "a sealed receipt of a revoked kiosk (nothing stored)"},
        422: {
            "description": "not a receipt code, or a sealed one that is damaged, forged, "
            "or sealed to another municipality's key (nothing stored)"
        },
    },
)
def open_receipt(
    request: Request,
    who: Who,
    code: Annotated[str, Query(min_length=1, max_length=MAX_CODE_CHARS)],
) -> ApplicationDetail:
    if is_sealed_receipt(code):
        return _open_sealed_receipt(request, who, code)
    if len(code) > MAX_QR_CHARS:
        raise HTTPException(
            422, [{"loc": ["query", "code"], "msg": "not a receipt code", "type": "value_error"}]
        )
    try:
        receipt = parse_qr_payload(code)
    except ValueError:
        raise HTTPException(
            422, [{"loc": ["query", "code"], "msg": "not a receipt code", "type": "value_error"}]
        ) from None
    # A MADOGUCHI1 receipt names no kiosk: its reception number tells two kiosks' ids apart.
    row = _one(
        request,
        receipt.application_id,
        receipt.kiosk_id,
        reception_number=None if receipt.kiosk_id else receipt.reception_number,
    )
    return _opened(request, row, who, "receipt")


def _open_sealed_receipt(request: Request, who: str, code: str) -> ApplicationDetail:
    try:
        scanned = open_sealed_receipt(
            request.app.state.engine, request.app.state.private_key, code, who=who
        )
    except ReceiptScanRefused as refused:
        # The clerk's sentence, and a word for programs; the code itself is never echoed.
        raise HTTPException(
            refused.refusal.status,
            {"reason": refused.refusal.name.lower(), "message": refused.refusal.message},
        ) from None
    except SQLAlchemyError:
        raise HTTPException(503, DATABASE_BUSY, headers={"Retry-After": "30"}) from None
    row = _one(request, scanned.application_id, scanned.kiosk_id)
    return _opened(request, row, who, "sealed_receipt")


@router.put(
    "/applications/{application_id}/status",
    response_model=ApplicationSummary,
    summary="Set the staff status (受付済 / 処理中 / 完了 / 差戻し)",
    responses={**NOT_FOUND, **CONFLICT},
)
def update_status(
    application_id: ApplicationIdPath,
    update: StatusUpdate,
    request: Request,
    who: Who,
    kiosk_id: KioskQuery = None,
) -> ApplicationSummary:
    detail = {}
    if update.status is StaffStatus.DONE:
        detail["checked"] = _all_checked(request, application_id, kiosk_id, update.checked)
    try:
        row = applications.set_status(
            request.app.state.engine,
            application_id,
            update.status,
            kiosk_id,
            who=who,
            detail=detail,
        )
    except AmbiguousApplication as error:
        raise HTTPException(409, str(error)) from None
    except SQLAlchemyError:
        raise HTTPException(503, DATABASE_BUSY, headers={"Retry-After": "30"}) from None
    if row is None:
        raise HTTPException(404, "no such application")
    return ApplicationSummary.model_validate(row)


@router.get("/kiosks", response_model=list[KioskHealth], summary="Every kiosk's health")
def kiosks(request: Request) -> list[KioskHealth]:
    rows = kiosk_health.kiosks(request.app.state.engine)
    return [KioskHealth.model_validate(row) for row in rows]
