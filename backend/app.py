"""The reference backend (FastAPI): receives sealed applications from kiosks, exactly once.

Each kiosk authenticates with its own bearer token; a submission must carry its application id
as the Idempotency-Key; a sealed payload that the municipality's key cannot open is refused
(it would be useless to staff), so a kiosk with a wrong key finds out at once.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI, Header, HTTPException, Response, status

from backend.paths import BackendPaths
from backend.storage import ReceivedApplications
from kiosk import __version__
from kiosk.sealing import SealingError, generate_key_pair, unseal
from kiosk.wire import (
    APPLICATIONS_PATH,
    HEALTH_PATH,
    Health,
    SubmissionReceipt,
    SubmissionStatus,
    SubmittedApplication,
)


def create_app(paths: BackendPaths) -> FastAPI:
    private_path, _ = generate_key_pair(paths.keys)
    private_key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    received = ReceivedApplications(paths.database)
    app = FastAPI(title="Madoguchi backend", version=__version__)

    def authenticated_kiosk(authorization: str = Header(default="")) -> str:
        tokens = json.loads(paths.tokens.read_text()) if paths.tokens.exists() else {}
        presented = authorization.removeprefix("Bearer ").strip()
        for kiosk_id, token in tokens.items():
            if presented and hmac.compare_digest(presented, token):
                return kiosk_id
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or missing kiosk token")

    @app.get(HEALTH_PATH, response_model=Health)
    def health() -> Health:
        return Health(status="ok", version=__version__, server_time=datetime.now(UTC))

    @app.post(
        APPLICATIONS_PATH, response_model=SubmissionReceipt, status_code=status.HTTP_201_CREATED
    )
    def submit(
        application: SubmittedApplication,
        response: Response,
        kiosk_id: str = Depends(authenticated_kiosk),
        idempotency_key: str = Header(alias="Idempotency-Key"),
    ) -> SubmissionReceipt:
        if idempotency_key != application.id:
            raise HTTPException(422, "Idempotency-Key must be the application id")
        if application.kiosk_id != kiosk_id:
            raise HTTPException(403, "a kiosk may only submit its own applications")
        try:
            unseal(application.sealed.encode(), private_key, application.id)
        except SealingError as error:
            raise HTTPException(
                422, "sealed answers cannot be opened with this municipality's key"
            ) from error
        outcome = received.add(application)
        if outcome is SubmissionStatus.DUPLICATE:
            response.status_code = status.HTTP_200_OK
        return SubmissionReceipt(id=application.id, status=outcome, server_time=datetime.now(UTC))

    app.state.received = received
    return app
