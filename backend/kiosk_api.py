"""The kiosk API of the sync protocol (core/wire.py): submissions, catalog, heartbeat, health.

A submission is accepted when it is the caller's own and its sealed answers open with the
municipality's key (anything else would be useless to staff and is refused for good, so the
kiosk sets it aside instead of retrying forever).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend import applications, kiosk_health
from backend.applications import Outcome
from backend.auth import kiosk_caller
from backend.bodyhash import body_sha256
from backend.keys import open_payload
from core import __version__
from core.sealing import SealingError
from core.wire import (
    APPLICATIONS_PATH,
    BATCH_PATH,
    CATALOG_PATH,
    HEALTH_PATH,
    HEARTBEAT_PATH,
    IDEMPOTENCY_HEADER,
    BatchReceipt,
    CatalogBundle,
    Health,
    Heartbeat,
    HeartbeatReply,
    ItemResult,
    SubmissionBatch,
    SubmissionReceipt,
    SubmissionStatus,
    SubmittedApplication,
)

OTHER_KIOSK = "kiosk_id is not the kiosk this token belongs to"
UNOPENABLE = "sealed answers cannot be opened with this municipality's key"
SAME_BATCH_OTHER_BODY = "the same id appears earlier in this batch with different content"

router = APIRouter(tags=["kiosk"])


def _refusal(request: Request, application: SubmittedApplication, kiosk_id: str) -> str | None:
    """Why this application can never be accepted, or None."""
    if application.kiosk_id != kiosk_id:
        return OTHER_KIOSK
    try:
        open_payload(application.sealed, request.app.state.private_key, application.id)
    except SealingError:
        return UNOPENABLE
    return None


@router.post(
    BATCH_PATH,
    response_model=BatchReceipt,
    summary="Submit up to MAX_BATCH applications; one result per application, in order",
    responses={413: {"description": "more than MAX_BATCH applications"}},
)
def submit_batch(
    batch: SubmissionBatch, request: Request, kiosk_id: str = Depends(kiosk_caller)
) -> BatchReceipt:
    outcomes: dict[int, Outcome] = {}
    first_seen: dict[str, str] = {}  # id → body fingerprint, for an id repeated in one batch
    to_store: list[SubmittedApplication] = []
    for index, application in enumerate(batch.applications):
        if application.id in first_seen:
            same = first_seen[application.id] == body_sha256(application.model_dump())
            outcomes[index] = (
                Outcome(SubmissionStatus.DUPLICATE)
                if same
                else Outcome(SubmissionStatus.REJECTED, SAME_BATCH_OTHER_BODY)
            )
            continue
        reason = _refusal(request, application, kiosk_id)
        if reason is not None:
            outcomes[index] = Outcome(SubmissionStatus.REJECTED, reason)
            continue
        first_seen[application.id] = body_sha256(application.model_dump())
        to_store.append(application)
    stored = applications.store(request.app.state.engine, to_store)
    results = []
    for index, application in enumerate(batch.applications):
        outcome = outcomes.get(index) or stored[application.id]
        results.append(ItemResult(id=application.id, status=outcome.status, reason=outcome.reason))
    return BatchReceipt(results=results, server_time=datetime.now(UTC))


@router.post(
    APPLICATIONS_PATH,
    response_model=SubmissionReceipt,
    status_code=status.HTTP_201_CREATED,
    summary="Submit one application (Idempotency-Key = its id)",
    responses={
        200: {"description": "a duplicate: already received with the same body"},
        403: {"description": "another kiosk's application"},
        422: {
            "description": "same key with a different body, or sealed answers that cannot be opened"
        },
    },
)
def submit_one(
    application: SubmittedApplication,
    request: Request,
    response: Response,
    kiosk_id: str = Depends(kiosk_caller),
    idempotency_key: str = Header(alias=IDEMPOTENCY_HEADER),
) -> SubmissionReceipt:
    if idempotency_key != application.id:
        raise HTTPException(422, "Idempotency-Key must be the application id")
    reason = _refusal(request, application, kiosk_id)
    if reason == OTHER_KIOSK:
        raise HTTPException(403, "a kiosk may only submit its own applications")
    if reason is not None:
        raise HTTPException(422, reason)
    outcome = applications.store(request.app.state.engine, [application])[application.id]
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
    if_none_match: str = Header(default=""),
) -> Response:
    bundle = request.app.state.catalog.current()
    etag = f'"{bundle.version}"'
    # no-cache: a proxy may keep it, but must ask again each time (it is cheap: a 304).
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match and _etag_matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return JSONResponse(bundle.model_dump(mode="json"), headers=headers)


@router.post(HEARTBEAT_PATH, response_model=HeartbeatReply, summary="A kiosk's state and alerts")
def heartbeat(
    beat: Heartbeat, request: Request, kiosk_id: str = Depends(kiosk_caller)
) -> HeartbeatReply:
    if beat.kiosk_id != kiosk_id:
        raise HTTPException(403, "a kiosk may only report about itself")
    kiosk_health.record(request.app.state.engine, beat)
    return HeartbeatReply(server_time=datetime.now(UTC))


@router.get(
    HEALTH_PATH,
    response_model=Health,
    summary="Liveness for kiosks and load balancers (no token); 503 when the database is down",
    responses={503: {"description": "the database cannot be reached"}},
)
def health(request: Request) -> Health:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any database failure means "do not send traffic here"
        raise HTTPException(503, "database unreachable") from error
    return Health(status="ok", version=__version__, server_time=datetime.now(UTC))
