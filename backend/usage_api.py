"""POST /api/v1/usage: a kiosk sends its usage events (core/usage_wire.py), never personal.

The kiosk's token names the kiosk; a batch claiming another kiosk is refused (403). A batch
that breaks the wire model anywhere is refused whole with a 422 and nothing of it is stored:
the events are the kiosk's own vocabulary, so a malformed one is a bug to see, not data.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.exc import SQLAlchemyError

from backend import usage_store
from backend.auth import kiosk_caller
from backend.validation import ValidatedRoute
from core.usage_wire import USAGE_PATH, UsageBatch, UsageReceipt

log = logging.getLogger(__name__)

router = APIRouter(tags=["kiosk"], route_class=ValidatedRoute)


@router.post(
    USAGE_PATH,
    response_model=UsageReceipt,
    summary="Store usage events (the same events again are counted once)",
    responses={
        403: {"description": "another kiosk's events"},
        422: {"description": "a malformed batch; nothing of it is stored"},
        503: {"description": "the database cannot take writes now"},
    },
)
def receive_usage(
    batch: UsageBatch, request: Request, kiosk_id: str = Depends(kiosk_caller)
) -> UsageReceipt:
    if batch.kiosk_id != kiosk_id:
        raise HTTPException(403, "kiosk_id is not the kiosk this token belongs to")
    try:
        stored = usage_store.store_new(request.app.state.engine, kiosk_id, batch.events)
    except SQLAlchemyError as error:
        log.error("usage events of %s not stored: %s", kiosk_id, type(error).__name__)
        raise HTTPException(503, "the database cannot take this now; try again later") from None
    request.app.state.usage_figures.stored(stored)  # the console's kept figures grow by them
    new, duplicates = len(stored.rows), stored.duplicates
    log.info("usage: %s sent %d events (%d new)", kiosk_id, len(batch.events), new)
    return UsageReceipt(stored=new, duplicates=duplicates, server_time=datetime.now(UTC))
