"""The heartbeat: the kiosk tells the backend how it is, and forwards staff alerts.

Device states, queue depth, quarantined count, catalog and app version, and the staff alerts
(a resident called staff, the printer is out of paper …) that are waiting. An alert is deleted
only after the backend acknowledged a heartbeat carrying it, so none is lost to a network
failure. The reply's server_time gives this kiosk's clock skew.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from core import __version__
from core.wire import HEARTBEAT_PATH, Heartbeat, HeartbeatReply, StaffAlert
from kiosk.config import Settings
from kiosk.events import Event, StaffAlertRaised, StaffCalled
from kiosk.store import QUARANTINED, QUEUED, KioskStore
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

log = logging.getLogger(__name__)

SKEW_WARNING_S = 300.0
MAX_ALERTS = 100  # per heartbeat; the rest go with the next one


def alert_from_event(event: Event) -> list[tuple[str, str]]:
    """(kind, detail) of the staff alerts an event stands for; none for other events.
    Only the screen or device names travel, never anything a resident entered."""
    if isinstance(event, StaffCalled):
        return [("staff_call", event.screen)]
    if isinstance(event, StaffAlertRaised):
        return [(f"{event.device}_{condition}", event.device) for condition in event.conditions]
    return []


class HeartbeatSender:
    def __init__(
        self,
        settings: Settings,
        store: KioskStore,
        http: BackendHttp,
        device_states: Callable[[], dict[str, str]],
        catalog_version: Callable[[], str],
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.device_states = device_states
        self.catalog_version = catalog_version
        self.clock = clock
        self._skew_warned = False

    def beat(self) -> str | None:
        """Send one heartbeat; None when the backend acknowledged it, else what went wrong."""
        alerts = self.store.pending_alerts(MAX_ALERTS)
        counts = self.store.sync_counts()
        sent_at = self.clock()
        heartbeat = Heartbeat(
            kiosk_id=self.settings.kiosk_id,
            app_version=__version__,
            catalog_version=self.catalog_version(),
            queue_depth=counts[QUEUED],
            quarantined=counts[QUARANTINED],
            devices=self.device_states(),
            alerts=[
                StaffAlert(
                    kind=row["kind"], at=datetime.fromisoformat(row["at"]), detail=row["detail"]
                )
                for row in alerts
            ],
            sent_at=sent_at,
        )
        try:
            response = self.http.request("POST", HEARTBEAT_PATH, body=heartbeat.model_dump_json())
            if response.status_code != 200:
                return self._failed(f"HTTP {response.status_code}: {problem(response)}")
            reply = HeartbeatReply.model_validate_json(response.content)
        except BackendUnreachable as error:
            return self._failed(str(error))
        except (ValidationError, ValueError):
            return self._failed("the backend's reply is not a heartbeat reply")
        received_at = self.clock()
        self.store.forget_alerts([row["id"] for row in alerts])
        # The request's midpoint is the best local guess of when the server read its clock.
        local_middle = sent_at + (received_at - sent_at) / 2
        skew = (reply.server_time - local_middle).total_seconds()
        self._note_skew(skew)
        self.store.set_sync_state(
            last_heartbeat=received_at.isoformat(),
            clock_skew_s=f"{skew:.1f}",
            heartbeat_error=None,
        )
        return None

    def _failed(self, error: str) -> str:
        self.store.set_sync_state(heartbeat_error=error)
        log.info("heartbeat not delivered: %s", error)
        return error

    def _note_skew(self, skew: float) -> None:
        if abs(skew) > SKEW_WARNING_S and not self._skew_warned:
            self._skew_warned = True  # once: the log of a kiosk must stay readable
            log.warning(
                "this kiosk's clock is %.0f s %s the backend's: check its time synchronisation",
                abs(skew),
                "behind" if skew > 0 else "ahead of",
            )
