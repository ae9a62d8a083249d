"""Send the outbox to the backend in batches, each application exactly once.

The application id is its idempotency key, so a resend after a lost reply comes back as a
duplicate, never as a second application. Per item, the backend answers created or duplicate
(acknowledged: it leaves the queue) or rejected (it would be refused again as it is: set
aside in quarantine with the reason, never blocking the ones behind it). A request that fails
as a whole (unreachable, 5xx, 429, a reply that is cut short or does not account for every
application) changes nothing but the backoff: the items stay queued for the next attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from core.wire import (
    BATCH_PATH,
    BatchReceipt,
    SubmissionBatch,
    SubmissionStatus,
    SubmittedApplication,
)
from kiosk.config import Settings
from kiosk.store import KioskStore
from kiosk.sync.backoff import BackoffPolicy, parse_retry_after
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests

log = logging.getLogger(__name__)

AUTH_STATUSES = (401, 403)


def local_now() -> datetime:
    return datetime.now().astimezone()


def _not_sendable(error: Exception) -> str:
    """Why an application cannot be sent, naming the fields (never their values)."""
    if isinstance(error, ValidationError):
        fields = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
        return "outside the sync protocol's bounds: " + ", ".join(fields)
    return f"cannot be sent as stored ({type(error).__name__})"


@dataclass
class SyncReport:
    sent: int = 0
    duplicates: int = 0
    quarantined: int = 0
    error: str | None = None  # why the round stopped early (network, server trouble)
    # The token is refused: a configuration problem that waiting will not fix.
    needs_configuration: bool = False
    next_attempt_at: datetime | None = None  # set when the round ended in backoff
    finished_at: datetime = field(default_factory=local_now)


class OutboxSender:
    def __init__(
        self,
        settings: Settings,
        store: KioskStore,
        http: BackendHttp,
        backoff: BackoffPolicy,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.backoff = backoff
        self.clock = clock

    def drain(self) -> SyncReport:
        """Send what is queued, batch by batch, until it is empty or a request fails."""
        report = SyncReport()
        asked = False
        while report.error is None:
            rows = self.store.queued_for_sync(self.settings.sync_batch)
            if not rows:
                break
            asked = True
            self._send_batch(rows, report)
        report.finished_at = self.clock()
        if report.error is None and asked:  # an empty queue is no news: nothing to write
            self.store.clear_backoff()
            self.store.set_sync_state(
                failures="0",
                last_success=report.finished_at.isoformat(),
                last_error=None,
                next_attempt=None,
            )
        return report

    def _send_batch(self, rows: list[dict], report: SyncReport) -> None:
        ids = [row["id"] for row in rows]
        sendable = []
        for row in rows:
            if row["sealed"] is None:  # cannot happen for a queued one; never send nothing
                self._quarantine(row["id"], "nothing sealed is stored for it", report)
                continue
            try:
                sendable.append(self._wire(row))
            except ValueError as error:  # pydantic's ValidationError is one too
                # Outside the wire model's bounds (a clock far off when it was finalized, a
                # reception number past its digits): the backend would refuse it for good, so
                # it is set aside like a rejection instead of failing every round.
                self._quarantine(row["id"], _not_sendable(error), report)
        if not sendable:
            return
        body = SubmissionBatch(applications=sendable).model_dump_json()
        try:
            response = self.http.request("POST", BATCH_PATH, body=body)
        except BackendUnreachable as error:
            self._back_off(ids, str(error), None, report)
            return
        if response.status_code in AUTH_STATUSES:
            self._refused_token(ids, response, report)
            return
        if response.status_code != 200:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock())
            error = f"backend answered HTTP {response.status_code}: {problem(response)}"
            self._back_off(ids, error, retry_after, report)
            return
        receipt = self._receipt(response, {a.id for a in sendable})
        if isinstance(receipt, str):
            self._back_off(ids, receipt, None, report)
            return
        acknowledged = []
        for result in receipt.results:
            if result.status is SubmissionStatus.REJECTED:
                self._quarantine(result.id, result.reason or "refused by the backend", report)
                continue
            acknowledged.append(result.id)
            if result.status is SubmissionStatus.CREATED:
                report.sent += 1
            else:
                report.duplicates += 1
        self.store.acknowledge_many(acknowledged, self.clock())

    def _wire(self, row: dict) -> SubmittedApplication:
        return SubmittedApplication(
            id=row["id"],
            kiosk_id=self.settings.kiosk_id,
            reception_number=row["reception_number"],
            procedure_id=row["procedure_id"],
            procedure_version=row["procedure_version"],
            created_at=datetime.fromisoformat(row["created_at"]),
            sealed=row["sealed"].decode("ascii"),
        )

    @staticmethod
    def _receipt(response: requests.Response, sent: set[str]) -> BatchReceipt | str:
        """The batch receipt, or why it cannot be trusted (then nothing in it is acted on:
        every item is resent, and the backend recognises the ones it has as duplicates)."""
        try:
            receipt = BatchReceipt.model_validate_json(response.content)
        except (ValidationError, ValueError):
            return "backend sent a reply that is not a valid batch receipt"
        answered = {result.id for result in receipt.results}
        if answered != sent:
            missing = len(sent - answered)
            return f"backend reply does not account for {missing} of {len(sent)} applications"
        return receipt

    def _quarantine(self, application_id: str, reason: str, report: SyncReport) -> None:
        report.quarantined += 1
        self.store.quarantine(application_id, reason)
        log.warning("sync: application %s quarantined: %s", application_id, reason)

    def _refused_token(self, ids: list[str], response: requests.Response, report: SyncReport):
        report.needs_configuration = True
        error = (
            f"the backend refuses this kiosk's token (HTTP {response.status_code}): set "
            f"backend_token to the token the backend issued for {self.settings.kiosk_id} "
            "(on the backend machine: kiosk backend token " + self.settings.kiosk_id + ")"
        )
        log.error("sync: %s", error)
        # Waiting does not fix a token; ask again only now and then (it may be fixed on the
        # backend's side), and never faster than the cap.
        self._back_off(ids, error, self.backoff.cap_s, report)

    def _back_off(
        self, ids: list[str], error: str, retry_after_s: float | None, report: SyncReport
    ) -> None:
        failures = int(self.store.sync_state().get("failures", "0")) + 1
        delay = self.backoff.delay(failures, retry_after_s)
        until = self.clock() + timedelta(seconds=delay)
        self.store.defer(ids, until, error)
        self.store.set_sync_state(
            failures=str(failures), last_error=error, next_attempt=until.isoformat()
        )
        report.error = error
        report.next_attempt_at = until
        log.info("sync: %s; next attempt in %.1f s", error, delay)
