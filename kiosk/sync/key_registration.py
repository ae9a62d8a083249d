"""Telling the backend this kiosk's receipt signing key (PUT RECEIPT_KEY_PATH), so the counter
can check a sealed receipt QR the kiosk prints while offline. Sent after each start's first
acknowledged heartbeat, again until it is accepted; the backend keeps it idempotently.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.wire import RECEIPT_KEY_PATH, ReceiptKeyRegistration
from kiosk import receipt_signing
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

log = logging.getLogger(__name__)


class ReceiptKeyRegistrar:
    def __init__(self, http: BackendHttp, key_path: Path) -> None:
        self.http = http
        self.key_path = key_path
        self.registered = False  # this process's life: a restart registers once more

    def register_once(self) -> str | None:
        """None when the backend has the key (now or before); else what went wrong. Never
        raises: a missing key must not stop syncing."""
        if self.registered:
            return None
        try:
            key = receipt_signing.load_or_create(self.key_path)
            body = ReceiptKeyRegistration(
                kiosk_id=self.http.settings.kiosk_id,
                public_key=receipt_signing.public_key_text(key),
            )
            response = self.http.request("PUT", RECEIPT_KEY_PATH, body=body.model_dump_json())
        except (OSError, receipt_signing.SigningKeyUnusable) as error:
            # BackendUnreachable is an OSError: offline, try again with the next heartbeat.
            reason = str(error) if not isinstance(error, BackendUnreachable) else "unreachable"
            log.warning("receipt signing key not registered: %s", reason)
            return reason
        if response.status_code != 200:
            reason = f"{response.status_code} {problem(response)}"
            log.warning("receipt signing key not registered: %s", reason)
            return reason
        self.registered = True
        log.info("receipt signing key registered with the backend")
        return None
