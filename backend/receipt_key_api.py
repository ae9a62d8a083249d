"""PUT /api/v1/receipt-key: a kiosk registers the public key that signs its sealed receipt QR
codes (core/sealed_receipt.py). Idempotent; the key is bound to the token that sent it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.exc import SQLAlchemyError

from backend import receipt_keys
from backend.auth import Credentials, kiosk_caller
from backend.validation import ValidatedRoute
from core.wire import RECEIPT_KEY_PATH, ReceiptKeyRegistration, ReceiptKeyReply

log = logging.getLogger(__name__)

router = APIRouter(tags=["kiosk"], route_class=ValidatedRoute)


@router.put(
    RECEIPT_KEY_PATH,
    response_model=ReceiptKeyReply,
    summary="Register this kiosk's receipt signing key (the same key again changes nothing)",
    responses={
        403: {"description": "another kiosk's key"},
        422: {"description": "not an Ed25519 public key"},
        503: {"description": "the database cannot take writes now"},
    },
)
def register_receipt_key(
    registration: ReceiptKeyRegistration,
    request: Request,
    credentials: Credentials,
    kiosk_id: str = Depends(kiosk_caller),
) -> ReceiptKeyReply:
    if registration.kiosk_id != kiosk_id:
        raise HTTPException(403, "a kiosk may only register its own key")
    token = credentials.credentials if credentials else ""
    try:
        created = receipt_keys.register(
            request.app.state.engine, kiosk_id, registration.public_key, token
        )
    except ValueError:
        raise HTTPException(422, "public_key is not an Ed25519 public key") from None
    except SQLAlchemyError as error:
        log.error("receipt key of %s not stored: %s", kiosk_id, type(error).__name__)
        raise HTTPException(503, "the database cannot take this now; try again later") from None
    if created:
        log.info("kiosk %s registered a receipt signing key", kiosk_id)
    return ReceiptKeyReply(registered=created, server_time=datetime.now(UTC))
