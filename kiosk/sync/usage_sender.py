"""Sending the kept usage events (kiosk/usage.py) to the backend, in batches, on their own
endpoint (core/usage_wire.py), and forgetting them once the backend confirms.

Idempotent on the backend's side (kiosk, session, seq), so a batch whose reply was lost is
simply sent again. A send that fails for a reason that may pass (offline, a refused token, a
busy database) keeps every event for the next round; a batch the backend refuses as malformed
(422) would be refused forever and is dropped, with the reason logged, so that it cannot hold
up the figures behind it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.usage_wire import MAX_USAGE_BATCH, USAGE_PATH, UsageBatch
from kiosk.store import KioskStore, StoreError
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

log = logging.getLogger(__name__)

# Batches per round at most: a kiosk that was offline for a week catches up over a few rounds
# instead of holding the sync thread (and the applications behind it) for one long round.
MAX_BATCHES_PER_ROUND = 20
# After a failed send, the figures wait this long: the sync round comes every few seconds when
# the outbox is empty, and an unreachable backend need not be asked that often for them.
RETRY_AFTER_FAILURE_S = 60.0


@dataclass(frozen=True)
class UsageReport:
    sent: int = 0  # events the backend confirmed (new or already there)
    dropped: int = 0  # events in batches the backend refused as malformed
    error: str | None = None  # why the rest waits


class UsageSender:
    def __init__(
        self,
        http: BackendHttp,
        store: KioskStore,
        batch: int = MAX_USAGE_BATCH,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.store = store
        self.batch = batch
        self._now = now
        self._retry_at = 0.0

    def send(self, force: bool = False) -> UsageReport:
        """Send what is kept, a batch at a time (force: even while waiting after a failure).
        Never raises: the figures must not stop the applications' sync."""
        if not force and self._now() < self._retry_at:
            return UsageReport(error="waiting after a failed send")
        report = self._send()
        self._retry_at = self._now() + RETRY_AFTER_FAILURE_S if report.error else 0.0
        return report

    def _send(self) -> UsageReport:
        sent = dropped = 0
        try:
            for _ in range(MAX_BATCHES_PER_ROUND):
                rows = self.store.usage_to_send(self.batch)
                if not rows:
                    break
                body = UsageBatch(
                    kiosk_id=self.http.settings.kiosk_id, events=[event for _, event in rows]
                )
                # BackendHttp.request has the request deadline (request_timeout_s).
                response = self.http.request("POST", USAGE_PATH, body=body.model_dump_json())
                row_ids = [row_id for row_id, _ in rows]
                if response.status_code == 422:
                    reason = problem(response)
                    log.error("usage: %d events refused as malformed: %s", len(rows), reason)
                    self.store.forget_usage(row_ids)
                    dropped += len(rows)
                    continue
                if response.status_code != 200:
                    error = f"usage events not sent: {response.status_code} {problem(response)}"
                    log.warning("%s", error)
                    return UsageReport(sent, dropped, error)
                self.store.forget_usage(row_ids)
                sent += len(rows)
        except BackendUnreachable as error:
            return UsageReport(sent, dropped, str(error))
        except StoreError as error:
            log.error("usage: the kept events could not be read or forgotten: %s", error)
            return UsageReport(sent, dropped, str(error))
        if sent or dropped:
            log.info("usage: %d events sent, %d dropped", sent, dropped)
        return UsageReport(sent, dropped)
