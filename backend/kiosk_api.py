"""The kiosk API of the sync protocol (core/wire.py): submissions, catalog, heartbeat, health.

A submission is accepted when it is the caller's own, every field is within the wire model's
bounds, and its sealed answers open with the municipality's key and are an application for
the procedure it names (anything else would be useless to staff and is refused for good, so
the kiosk sets it aside instead of retrying forever). In a batch each application is checked
on its own: a malformed one is rejected alone, naming its field, and the others go in.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from backend import applications, kiosk_health, kiosk_settings
from backend.applications import Outcome
from backend.auth import kiosk_caller
from backend.bodyhash import body_sha256
from backend.db import WRITE, health_probe, is_postgresql
from backend.keys import NotAnApplication, open_application, open_payload
from backend.validation import ValidatedRoute, field_errors, in_words
from core import __version__
from core.sealing import SealingError
from core.wire import (
    APPLICATION_ID_PATTERN,
    APPLICATIONS_PATH,
    BATCH_PATH,
    CATALOG_PATH,
    HEALTH_PATH,
    HEARTBEAT_PATH,
    IDEMPOTENCY_HEADER,
    MAX_BATCH,
    BatchReceipt,
    CatalogBundle,
    FieldError,
    Health,
    Heartbeat,
    HeartbeatReply,
    ItemResult,
    SubmissionReceipt,
    SubmissionStatus,
    SubmittedApplication,
)

log = logging.getLogger(__name__)

OTHER_KIOSK = "kiosk_id is not the kiosk this token belongs to"
UNOPENABLE = "sealed answers cannot be opened with this municipality's key"
SAME_BATCH_OTHER_BODY = "the same id appears earlier in this batch with different content"
OTHER_PROCEDURE = "the sealed answers are for another procedure, version or kiosk"
DATABASE_BUSY = "the database cannot take this now; try again later"
RETRY_AFTER_S = "30"

router = APIRouter(tags=["kiosk"], route_class=ValidatedRoute)


class IncomingBatch(BaseModel):
    """A SubmissionBatch as received: the list is checked here, each application on its own
    (so that one malformed application is rejected alone)."""

    model_config = ConfigDict(extra="forbid")
    applications: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": {"$ref": "#/components/schemas/SubmittedApplication"}},
    )


def _refusal(request: Request, application: SubmittedApplication, kiosk_id: str) -> str | None:
    return refusal_for(request.app.state.private_key, application, kiosk_id)


def refusal_for(
    private_key: X25519PrivateKey, application: SubmittedApplication, kiosk_id: str
) -> str | None:
    """Why this application can never be accepted, or None. Nothing here depends on what other
    kiosks sent: the answer for another kiosk's application is the same whether or not it
    exists. Also what a sealed receipt QR is held to (backend/receipt_scan.py)."""
    if application.kiosk_id != kiosk_id:
        return OTHER_KIOSK
    try:
        payload = open_application(application.sealed, private_key, application.id)
    except NotAnApplication as error:
        return str(error)
    except SealingError:
        return UNOPENABLE
    if (
        payload.procedure != application.procedure_id
        or payload.procedure_version not in (None, application.procedure_version)
        or payload.kiosk not in (None, application.kiosk_id)
    ):
        return OTHER_PROCEDURE
    return None


def _malformed(index: int, raw: Any, error: ValidationError) -> ItemResult:
    errors = field_errors(error.errors(include_input=False), ("body", "applications", index))
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    # Its id only if it is one (the kiosk matches results by id); nothing else is echoed.
    valid_id = isinstance(raw_id, str) and re.fullmatch(APPLICATION_ID_PATTERN, raw_id)
    shown_id = raw_id if valid_id else ""
    return ItemResult(
        id=shown_id,
        status=SubmissionStatus.REJECTED,
        reason=in_words(errors),
        errors=[FieldError(**item) for item in errors],
    )


def _store(request: Request, batch: list[SubmittedApplication]) -> dict[tuple[str, str], Outcome]:
    private_key = request.app.state.private_key
    try:
        # A sync may bring an application a clerk already opened from its receipt QR: the
        # answers are compared opened (backend/receipt_reconcile.py).
        return applications.store(
            request.app.state.engine,
            batch,
            open_payload=lambda sealed, app_id: open_payload(sealed, private_key, app_id),
        )
    except SQLAlchemyError as error:
        # Nothing was stored (one transaction): the kiosk keeps them and sends them again.
        log.error("submissions not stored: %s", type(error).__name__)
        raise HTTPException(503, DATABASE_BUSY, headers={"Retry-After": RETRY_AFTER_S}) from None


@router.post(
    BATCH_PATH,
    response_model=BatchReceipt,
    summary="Submit up to MAX_BATCH applications; one result per application, in order",
    responses={
        413: {"description": "more than MAX_BATCH applications"},
        503: {"description": "the database cannot take writes now (nothing was stored)"},
    },
)
def submit_batch(
    batch: IncomingBatch, request: Request, kiosk_id: str = Depends(kiosk_caller)
) -> BatchReceipt:
    results: dict[int, ItemResult] = {}
    first_seen: dict[str, str] = {}  # id → body fingerprint, for an id repeated in one batch
    checked: dict[int, SubmittedApplication] = {}
    for index, raw in enumerate(batch.applications):
        try:
            application = SubmittedApplication.model_validate(raw)
        except ValidationError as error:
            results[index] = _malformed(index, raw, error)
            continue
        checked[index] = application
        if application.id in first_seen:
            same = first_seen[application.id] == body_sha256(application.model_dump())
            outcome = (
                Outcome(SubmissionStatus.DUPLICATE)
                if same
                else Outcome(SubmissionStatus.REJECTED, SAME_BATCH_OTHER_BODY)
            )
            results[index] = ItemResult(
                id=application.id, status=outcome.status, reason=outcome.reason
            )
            continue
        reason = _refusal(request, application, kiosk_id)
        if reason is not None:
            results[index] = ItemResult(
                id=application.id, status=SubmissionStatus.REJECTED, reason=reason
            )
            continue
        first_seen[application.id] = body_sha256(application.model_dump())
    # What is left is well-formed, the caller's own, opens, and is first of its id here.
    stored = _store(request, [a for index, a in checked.items() if index not in results])
    for index, application in checked.items():
        if index not in results:
            outcome = stored[(application.kiosk_id, application.id)]
            results[index] = ItemResult(
                id=application.id, status=outcome.status, reason=outcome.reason
            )
    return BatchReceipt(
        results=[results[index] for index in range(len(batch.applications))],
        server_time=datetime.now(UTC),
    )


@router.post(
    APPLICATIONS_PATH,
    response_model=SubmissionReceipt,
    status_code=status.HTTP_201_CREATED,
    summary="Submit one application (Idempotency-Key = its id)",
    responses={
        200: {"description": "a duplicate: already received with the same body"},
        403: {"description": "another kiosk's application"},
        422: {
            "description": "a field out of bounds, same key with a different body, or sealed "
            "answers that cannot be opened or are not an application"
        },
        503: {"description": "the database cannot take writes now (nothing was stored)"},
    },
)
def submit_one(
    application: SubmittedApplication,
    request: Request,
    response: Response,
    kiosk_id: str = Depends(kiosk_caller),
    idempotency_key: Annotated[str, Header(alias=IDEMPOTENCY_HEADER, max_length=64)] = "",
) -> SubmissionReceipt:
    if idempotency_key != application.id:
        raise HTTPException(422, "Idempotency-Key must be the application id")
    reason = _refusal(request, application, kiosk_id)
    if reason == OTHER_KIOSK:
        raise HTTPException(403, "a kiosk may only submit its own applications")
    if reason is not None:
        raise HTTPException(422, reason)
    outcome = _store(request, [application])[(application.kiosk_id, application.id)]
    if outcome.status is SubmissionStatus.REJECTED:
        raise HTTPException(422, outcome.reason)
    if outcome.status is SubmissionStatus.DUPLICATE:
        response.status_code = status.HTTP_200_OK
    return SubmissionReceipt(
        id=application.id, status=outcome.status, server_time=datetime.now(UTC)
    )


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: a list of (possibly weak) tags, or *."""
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


@router.get(
    CATALOG_PATH,
    response_model=CatalogBundle,
    summary="The catalog files; ETag is the version, If-None-Match gives 304",
    responses={304: {"description": "the kiosk already has this version"}},
)
def catalog(
    request: Request,
    _kiosk_id: str = Depends(kiosk_caller),
    if_none_match: Annotated[str, Header(max_length=1024)] = "",
) -> Response:
    bundle = request.app.state.catalog.current()
    etag = f'"{bundle.version}"'
    # no-cache: a proxy may keep it, but must ask again each time (it is cheap: a 304).
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match and _etag_matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return JSONResponse(bundle.model_dump(mode="json"), headers=headers)


@router.post(
    HEARTBEAT_PATH,
    response_model=HeartbeatReply,
    summary="A kiosk's state and alerts (a heartbeat sent again changes nothing)",
    responses={503: {"description": "the database cannot take writes now"}},
)
def heartbeat(
    beat: Heartbeat, request: Request, kiosk_id: str = Depends(kiosk_caller)
) -> HeartbeatReply:
    if beat.kiosk_id != kiosk_id:
        raise HTTPException(403, "a kiosk may only report about itself")
    engine = request.app.state.engine
    try:
        received = kiosk_health.record(engine, beat)
        acknowledged = kiosk_health.acknowledged_calls(engine, kiosk_id, received)
    except SQLAlchemyError as error:
        # Not acknowledged: the kiosk keeps its alerts and sends them with the next heartbeat.
        log.error("heartbeat of %s not stored: %s", kiosk_id, type(error).__name__)
        raise HTTPException(503, DATABASE_BUSY, headers={"Retry-After": RETRY_AFTER_S}) from None
    try:
        pushed = kiosk_settings.effective(engine, kiosk_id)
    except SQLAlchemyError as error:
        # The heartbeat is stored; without the field the kiosk keeps the settings it has.
        log.error("pushed settings of %s not read: %s", kiosk_id, type(error).__name__)
        pushed = None
    return HeartbeatReply(
        server_time=datetime.now(UTC), acknowledged_calls=acknowledged, settings=pushed
    )


@router.get(
    HEALTH_PATH,
    response_model=Health,
    summary="Liveness for kiosks and load balancers (no token); 503 when the database cannot "
    "be written",
    responses={503: {"description": "the database cannot be reached or written"}},
)
def health(request: Request) -> Health:
    engine = request.app.state.engine
    now = datetime.now(UTC)
    try:
        # A write, committed: a database that answers SELECT 1 but refuses writes (a full
        # disk, a read-only replica after a failover) must not be sent traffic either.
        insert = postgres_insert if is_postgresql(engine) else sqlite_insert
        probe = insert(health_probe).values(id=1, at=now)
        probe = probe.on_conflict_do_update(index_elements=[health_probe.c.id], set_={"at": now})
        with engine.connect().execution_options(**WRITE) as connection, connection.begin():
            connection.execute(probe)
    except Exception as error:  # any database failure means "do not send traffic here"
        log.warning("health: the database cannot be written (%s)", type(error).__name__)
        raise HTTPException(503, "database cannot be written") from None
    return Health(status="ok", version=__version__, server_time=now)
