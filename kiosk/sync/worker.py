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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.config import KioskPaths, Settings
from kiosk.events import Event, EventBus, SyncFinished
from kiosk.store import QUEUED, KioskStore, StoreError
from kiosk.sync.backoff import BackoffPolicy
from kiosk.sync.catalog_pull import CatalogPuller, PullOutcome
from kiosk.sync.heartbeat import HeartbeatSender, alert_from_event
from kiosk.sync.http import BackendHttp, TokenSource
from kiosk.sync.key_registration import ReceiptKeyRegistrar
from kiosk.sync.outbox import OutboxSender, SyncReport, local_now
from kiosk.sync.usage_sender import UsageReport, UsageSender

if TYPE_CHECKING:
    import requests

__all__ = ["SyncClient", "SyncReport", "SyncWorker"]

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 10.0  # how often the worker looks at the queue when nothing wakes it
CATALOG_PULL_INTERVAL_S = 600.0
# After a failed pull: a growing wait with jitter, never shorter than this, at most an hour
# (a bad catalog stays bad until someone fixes it on the backend).
CATALOG_RETRY_MIN_S = 30.0
CATALOG_BACKOFF = {"base_s": 60.0, "cap_s": 3600.0}
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
        self.catalog_backoff = BackoffPolicy(**CATALOG_BACKOFF, rng=self.backoff.rng)
        self._catalog_failures = 0  # pulls in a row that ended in an error
        self.next_pull_s = CATALOG_PULL_INTERVAL_S  # after the last pull, when to pull again
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
            publish=events.publish,  # StaffComing when a call is acknowledged
            settings_file=paths.backend_settings if paths else None,  # pushed settings kept
        )
        self._usage = UsageSender(self._http, store)  # usage events, never personal
        # The key that signs sealed receipt QR codes, told to the backend once online.
        self._receipt_key = (
            ReceiptKeyRegistrar(self._http, paths.receipt_signing_key) if paths else None
        )

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings
        self._http.settings = settings
        self._heartbeat.settings = settings
        self._heartbeat.accepted = None  # maybe a new token: ask the backend again

    # -- the outbox -------------------------------------------------------------------------

    def due(self) -> bool:
        """False while the backoff asks to wait."""
        next_attempt = self.store.next_attempt_at()
        return next_attempt is None or next_attempt <= self.clock()

    def drain_once(self) -> SyncReport:
        """Send everything queued now (backoff or not); report what happened."""
        refusal = self._token_refusal()
        if refusal is not None:
            report = self._wait_for_a_token(refusal)
        else:
            sender = OutboxSender(self.settings, self.store, self._http, self.backoff, self.clock)
            report = sender.drain()
            if report.needs_configuration:
                self._heartbeat.accepted = False  # ask again before the next batch
        if report.error is None:  # the figures go after the applications, never before
            self._usage.send()
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

    def _token_refusal(self) -> str | None:
        """Why nothing may be sent now, or None.

        A batch sent with another kiosk's token is not refused as a whole: the backend rejects
        each application, and a rejected application is quarantined. A heartbeat with it is
        refused (403). So while no heartbeat was answered since the token was set, one goes
        before the first batch; while the last answer was a refusal, nothing is sent until a
        heartbeat (the worker sends one every heartbeat_interval_s) is accepted. When the
        heartbeat is not answered at all (backend away), the batch goes: it fails the same way.
        """
        if not self.store.sync_counts()[QUEUED]:
            return None
        if self._heartbeat.accepted is None:
            self._heartbeat.beat()
        return self._heartbeat.refusal if self._heartbeat.accepted is False else None

    def _wait_for_a_token(self, error: str) -> SyncReport:
        """An auth failure: every application stays queued, untouched; the reason is kept for
        `kiosk sync status`. Waiting does not fix a token, so the backend is asked again only
        now and then (the fix may be on its side), never faster than the backoff's cap."""
        failures = int(self.store.sync_state().get("failures", "0")) + 1
        delay = self.backoff.delay(failures, self.backoff.cap_s)
        until = self.clock() + timedelta(seconds=delay)
        self.store.defer([], until, error)  # nothing was sent: no attempt is counted
        self.store.set_sync_state(
            failures=str(failures), last_error=error, next_attempt=until.isoformat()
        )
        log.error("sync: %s; nothing sent, next attempt in %.0f s", error, delay)
        return SyncReport(
            error=error, needs_configuration=True, next_attempt_at=until, finished_at=self.clock()
        )

    def send_usage(self) -> UsageReport:
        """Send the kept usage events now (`kiosk sync now`, the end of a simulation)."""
        return self._usage.send(force=True)

    # -- heartbeat, catalog, retention ------------------------------------------------------

    def heartbeat(self) -> str | None:
        """Send a heartbeat now; None when the backend acknowledged it, else the problem.
        Once the backend answers, the receipt signing key follows (until it is accepted)."""
        outcome = self._heartbeat.beat()
        if outcome is None and self._receipt_key is not None:
            self._receipt_key.register_once()
        return outcome

    def pull_catalog(self) -> PullOutcome | None:
        """Pull once (a pull never raises: its problem is recorded); None without paths."""
        if self.paths is None:
            return None
        outcome = CatalogPuller(self.settings, self.paths, self.store, self._http).pull()
        if outcome.error is None:
            self._catalog_failures = 0
            self.next_pull_s = CATALOG_PULL_INTERVAL_S
        else:
            # A growing wait, so a crafted or broken catalog is not fetched and refused
            # every round.
            self._catalog_failures += 1
            delay = self.catalog_backoff.delay(self._catalog_failures)
            self.next_pull_s = max(CATALOG_RETRY_MIN_S, delay)
        at = self.clock() + timedelta(seconds=self.next_pull_s)
        try:  # for `kiosk sync status`: when the kiosk asks again
            self.store.set_sync_state(catalog_next_pull=at.isoformat())
        except StoreError:
            log.exception("the next catalog pull time could not be recorded")
        return outcome

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
        # A heartbeat first: the technician may just have fixed a refused token.
        self._beat.set()
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
            now = time.monotonic()
            # The heartbeat first: it tells whether the backend accepts this kiosk's token
            # before any application is sent with it (SyncClient._token_refusal).
            if self._beat.is_set() or now >= next_beat:
                self._beat.clear()
                self._step("heartbeat", self.client.heartbeat)
                next_beat = time.monotonic() + self.heartbeat_interval_s
            if self._force.is_set() or self._step("backoff check", self.client.due):
                self._force.clear()
                self._step("drain", self.client.drain_once)
            if now >= next_pull:
                # Set before the pull: whatever happens in it, it is not retried every round.
                next_pull = now + CATALOG_RETRY_MIN_S
                if self._step("catalog pull", self.client.pull_catalog) is not None:
                    next_pull = time.monotonic() + self.client.next_pull_s
            if now >= next_purge:
                next_purge = now + PURGE_INTERVAL_S
                self._step("purge", self.client.purge_expired)
            self._wake.wait(self._pause(next_beat))

    @staticmethod
    def _step(name: str, work: Callable[[], object]) -> object:
        """One part of a round; a failure is logged and the others still run."""
        try:
            return work()
        except Exception:  # a bug here must not end syncing for the day
            log.exception("sync %s failed", name)
            return None

    def _pause(self, next_beat: float) -> float:
        """Until the next thing is due: the backoff's end, the next heartbeat, a queue look."""
        pause = min(self.interval_s, max(next_beat - time.monotonic(), 0.0))
        try:
            next_attempt = self.client.store.next_attempt_at()
        except Exception:  # the store failing: look again after the usual pause
            log.exception("sync: the next attempt time could not be read")
            return pause
        if next_attempt is not None:
            until_due = (next_attempt - self.client.clock()).total_seconds()
            pause = min(pause, max(until_due, 0.0))
        return pause
