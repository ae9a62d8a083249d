"""The staff API (a staff token): list and filter applications, open one (answers decrypted
with the municipality's key), set its status, and see every kiosk's health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from backend import applications, kiosk_health
from backend.applications import Filters
from backend.auth import staff_caller
from backend.keys import open_payload
from backend.staff_models import (
    ApplicationDetail,
    ApplicationPage,
    ApplicationSummary,
    KioskHealth,
    StatusUpdate,
)
from core.sealing import SealingError
from core.wire import STAFF_PREFIX, StaffStatus

MAX_PAGE = 1000

router = APIRouter(prefix=STAFF_PREFIX, tags=["staff"], dependencies=[Depends(staff_caller)])


@router.get("/applications", response_model=ApplicationPage, summary="List and filter")
def list_applications(
    request: Request,
    status: StaffStatus | None = None,
    procedure_id: str | None = None,
    kiosk_id: str | None = None,
    since: Annotated[datetime | None, Query(description="received at or after (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ApplicationPage:
    filters = Filters(status, procedure_id, kiosk_id, since)
    total, rows = applications.summaries(request.app.state.engine, filters, limit, offset)
    return ApplicationPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[ApplicationSummary.model_validate(row) for row in rows],
    )


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationDetail,
    summary="One application with its answers",
    responses={404: {"description": "no such application"}},
)
def open_application(application_id: str, request: Request) -> ApplicationDetail:
    row = applications.one(request.app.state.engine, application_id)
    if row is None:
        raise HTTPException(404, "no such application")
    try:
        payload = open_payload(row["sealed"], request.app.state.private_key, application_id)
    except SealingError as error:  # only if the key was replaced after it was received
        raise HTTPException(409, "the sealed answers cannot be opened with this key") from error
    return ApplicationDetail(**row, answers=payload.get("answers", {}))


@router.put(
    "/applications/{application_id}/status",
    response_model=ApplicationSummary,
    summary="Set the staff status (受付済 / 処理中 / 完了)",
    responses={404: {"description": "no such application"}},
)
def update_status(
    application_id: str, update: StatusUpdate, request: Request
) -> ApplicationSummary:
    row = applications.set_status(request.app.state.engine, application_id, update.status)
    if row is None:
        raise HTTPException(404, "no such application")
    return ApplicationSummary.model_validate(row)


@router.get("/kiosks", response_model=list[KioskHealth], summary="Every kiosk's health")
def kiosks(request: Request) -> list[KioskHealth]:
    rows = kiosk_health.kiosks(request.app.state.engine)
    return [KioskHealth.model_validate(row) for row in rows]
