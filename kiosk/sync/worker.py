"""Everything the kiosk does with its backend, on one background thread, never the GUI's.

SyncClient is the one object the rest of the kiosk holds: it drains the outbox in batches
(kiosk.sync.outbox), sends heartbeats with staff alerts (kiosk.sync.heartbeat), pulls the catalog
(kiosk.sync.catalog_pull) and purges sealed payloads past their retention. SyncWorker runs it: a
round now and then, at once after a finalize (unless the backend asked to wait), a heartbeat
every heartbeat_interval_s and right after a staff call or a device problem.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.config import KioskPaths, Settings
from kiosk.events import Event, EventBus, SyncFinished
from kiosk.store import QUEUED, KioskStore, StoreError
from kiosk.sync.backoff import BackoffPolicy
from kiosk.sync.catalog_pull import CatalogPuller, PullOutcome
from kiosk.sync.heartbeat import HeartbeatSender, alert_from_event
from kiosk.sync.http import BackendHttp, TokenSource
from kiosk.sync.outbox import OutboxSender, SyncReport, local_now

if TYPE_CHECKING:
    import requests

__all__ = ["SyncClient", "SyncReport", "SyncWorker"]

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 10.0  # how often the worker looks at the queue when nothing wakes it
CATALOG_PULL_INTERVAL_S = 600.0
PURGE_INTERVAL_S = 3600.0


class SyncClient:
    def __init__(
        self,
        settings: Settings,
        store: KioskStore,
        events: EventBus,
        http: requests.Session | None = None,
        *,
        paths: KioskPaths | None = None,
        catalog_version: str = "",
        token_source: TokenSource | None = None,
        backoff: BackoffPolicy | None = None,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        """paths: where a pulled catalog goes (None: no catalog pulls, e.g. `kiosk sync now`).
        catalog_version: the version of the catalog this kiosk runs, for the heartbeat.
        token_source: the bearer token when settings.backend_token is empty."""
        self.store = store
        self.events = events
        self.paths = paths
        self.catalog_version = catalog_version
        self.clock = clock
        self.backoff = backoff or BackoffPolicy()
        # Device name → state for the heartbeat; the services object plugs in its own.
        self.device_states: Callable[[], dict[str, str]] = dict
        self._http = BackendHttp(settings, http, token_source)
        self._settings = settings
        # One sender for the kiosk's life: it remembers that a clock skew was already warned.
        self._heartbeat = HeartbeatSender(
            settings,
            store,
            self._http,
            lambda: self.device_states(),
            lambda: self.catalog_version,
            lambda: self.clock(),
        )

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings
        self._http.settings = settings
        self._heartbeat.settings = settings

    # -- the outbox -------------------------------------------------------------------------

    def due(self) -> bool:
        """False while the backoff asks to wait."""
        next_attempt = self.store.next_attempt_at()
        return next_attempt is None or next_attempt <= self.clock()

    def drain_once(self) -> SyncReport:
        """Send everything queued now (backoff or not); report what happened."""
        sender = OutboxSender(self.settings, self.store, self._http, self.backoff, self.clock)
        report = sender.drain()
        if report.sent or report.duplicates or report.quarantined:
            log.info(
                "sync: %d sent, %d duplicate, %d quarantined",
                report.sent,
                report.duplicates,
                report.quarantined,
            )
        queued = self.store.sync_counts()[QUEUED]
        self.events.publish(SyncFinished(report.sent, report.quarantined, queued, report.error))
        return report

    # -- heartbeat, catalog, retention ------------------------------------------------------

    def heartbeat(self) -> str | None:
        """Send a heartbeat now; None when the backend acknowledged it, else the problem."""
        return self._heartbeat.beat()

    def pull_catalog(self) -> PullOutcome | None:
        if self.paths is None:
            return None
        return CatalogPuller(self.settings, self.paths, self.store, self._http).pull()

    def purge_expired(self) -> int:
        purged = self.store.purge_acknowledged(self.clock())
        if purged:
            log.info("retention: sealed answers of %d acknowledged applications deleted", purged)
        return purged

    def record_alerts(self, event: Event) -> bool:
        """Keep the staff alerts an event stands for until a heartbeat delivers them;
        True when there were any (then a heartbeat should go soon)."""
        alerts = alert_from_event(event)
        for kind, detail in alerts:
            try:
                self.store.record_alert(kind, detail)
            except StoreError:  # a full disk must not take the staff call down with it
                log.exception("staff alert %s could not be kept", kind)
        return bool(alerts)


class SyncWorker:
    """Runs the SyncClient on a background thread.

    wake(): a new application is queued (sent at once unless the backoff says wait);
    sync_now(): the technician asks (backoff ignored); heartbeat_soon(): staff must know.
    """

    def __init__(
        self,
        client: SyncClient,
        interval_s: float = RETRY_INTERVAL_S,
        heartbeat_interval_s: float | None = None,
    ) -> None:
        self.client = client
        self.interval_s = interval_s
        self.heartbeat_interval_s = heartbeat_interval_s or client.settings.heartbeat_interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._force = threading.Event()
        self._beat = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def sync_now(self) -> None:
        self._force.set()
        self._wake.set()

    def heartbeat_soon(self) -> None:
        self._beat.set()
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        next_beat = next_pull = next_purge = time.monotonic()
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self._force.is_set() or self.client.due():
                    self._force.clear()
                    self.client.drain_once()
                now = time.monotonic()
                if self._beat.is_set() or now >= next_beat:
                    self._beat.clear()
                    self.client.heartbeat()
                    next_beat = time.monotonic() + self.heartbeat_interval_s
                if now >= next_pull:
                    self.client.pull_catalog()
                    next_pull = now + CATALOG_PULL_INTERVAL_S
                if now >= next_purge:
                    self.client.purge_expired()
                    next_purge = now + PURGE_INTERVAL_S
            except Exception:  # a bug here must not end syncing for the day
                log.exception("sync round failed")
            self._wake.wait(self._pause(next_beat))

    def _pause(self, next_beat: float) -> float:
        """Until the next thing is due: the backoff's end, the next heartbeat, a queue look."""
        pause = min(self.interval_s, max(next_beat - time.monotonic(), 0.0))
        next_attempt = self.client.store.next_attempt_at()
        if next_attempt is not None:
            until_due = (next_attempt - self.client.clock()).total_seconds()
            pause = min(pause, max(until_due, 0.0))
        return pause
