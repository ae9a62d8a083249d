"""Send finalized applications to the municipality's backend, each exactly once.

Runs on its own thread, never the GUI's. Every request has a deadline; the application id is
the Idempotency-Key, so a resend after a lost reply is recognised as a duplicate, not a second
application. An application the backend refuses is set aside with the reason (it would be
refused again) and never blocks the ones behind it; a network failure leaves the queue as it
is for the next round.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.config import Settings
from kiosk.events import Event, EventBus, EventKind
from kiosk.store import KioskStore
from kiosk.wire import APPLICATIONS_PATH, IDEMPOTENCY_HEADER, SubmittedApplication

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

BATCH = 50
RETRY_INTERVAL_S = 10.0


@dataclass
class SyncReport:
    sent: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None  # why the round stopped early (network, server trouble)
    finished_at: datetime = field(default_factory=lambda: datetime.now().astimezone())


class SyncClient:
    def __init__(
        self,
        settings: Settings,
        store: KioskStore,
        events: EventBus,
        http: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.events = events
        self._http = http
        self.last_report: SyncReport | None = None
        self.last_success: datetime | None = None

    @property
    def http(self) -> requests.Session:
        # requests is imported on first use: the kiosk's start-up does not need it.
        if self._http is None:
            import requests

            self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {self.settings.backend_token}"
        return self._http

    def drain_once(self) -> SyncReport:
        """Send what is queued until the queue is empty or the backend cannot be reached."""
        report = SyncReport()
        while report.error is None:
            rows = self.store.queued_for_sync(BATCH)
            if not rows:
                break
            for row in rows:
                if not self._send(row, report):
                    break
        report.finished_at = datetime.now().astimezone()
        self.last_report = report
        if report.error is None:
            self.last_success = report.finished_at
        if report.sent or report.duplicates or report.rejected:
            log.info(
                "sync: %d sent, %d duplicate, %d rejected",
                report.sent,
                report.duplicates,
                report.rejected,
            )
        self.events.publish(
            Event(
                EventKind.SYNC_DID_FINISH,
                {
                    "sent": report.sent,
                    "rejected": report.rejected,
                    "error": report.error,
                    "queued": self.store.sync_counts()["queued"],
                },
            )
        )
        return report

    def _send(self, row: dict, report: SyncReport) -> bool:
        """Send one application; False stops the round (the backend is unreachable or failing)."""
        application = SubmittedApplication(
            id=row["id"],
            kiosk_id=self.settings.kiosk_id,
            reception_number=row["reception_number"],
            procedure_id=row["procedure_id"],
            procedure_version=row["procedure_version"],
            created_at=datetime.fromisoformat(row["created_at"]),
            sealed=row["sealed"].decode("ascii"),
        )
        url = self.settings.backend_url.rstrip("/") + APPLICATIONS_PATH
        try:
            response = self.http.post(
                url,
                data=application.model_dump_json(),
                headers={IDEMPOTENCY_HEADER: application.id, "Content-Type": "application/json"},
                timeout=self.settings.request_timeout_s,
            )
        except OSError as error:  # requests' exceptions are OSErrors: refused, reset, timeout
            report.error = f"backend unreachable ({type(error).__name__})"
            self.store.note_sync_failure(application.id, report.error, rejected=False)
            return False
        if response.status_code in (200, 201):
            self.store.acknowledge(application.id)
            if response.status_code == 200:
                report.duplicates += 1
            else:
                report.sent += 1
            return True
        reason = _problem(response)
        if response.status_code in (400, 403, 409, 413, 422):
            report.rejected += 1
            self.store.note_sync_failure(application.id, reason, rejected=True)
            log.warning("sync: application %s rejected: %s", application.id, reason)
            return True
        report.error = f"backend answered HTTP {response.status_code}: {reason}"
        self.store.note_sync_failure(application.id, report.error, rejected=False)
        return False


def _problem(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or response.reason or "no reason given")[:200]


class SyncWorker:
    """Drains the outbox now and then on a background thread; `wake()` asks for a round now."""

    def __init__(self, client: SyncClient, interval_s: float = RETRY_INTERVAL_S) -> None:
        self.client = client
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.client.drain_once()
            except Exception:  # a bug here must not end syncing for the day
                log.exception("sync round failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
