"""The heartbeat: the kiosk tells the backend how it is, and forwards staff alerts.

Device states, queue depth, quarantined count, catalog and app version, and the staff alerts
(a resident called staff, the printer is out of paper …) that are waiting. An alert is deleted
only after the backend acknowledged a heartbeat carrying it, so none is lost to a network
failure. The reply's server_time gives this kiosk's clock skew; its acknowledged_calls (staff
calls a member of staff acknowledged on the console) are published once each as
StaffComing, so the screen can tell the resident 職員が向かっています. Its settings (those an
administrator pushed, the full set) are kept in data/backend-settings.json when they differ
from the kept ones, announced as SettingsArrived; the kiosk applies them between residents. A
reply without them, or no reply, leaves the kept file as it is.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from core import __version__
from core.errors import plain
from core.wire import HEARTBEAT_PATH, MAX_ALERTS, Heartbeat, HeartbeatReply, StaffAlert
from kiosk.config import Settings
from kiosk.config_base import read_backend_settings
from kiosk.events import Event, SettingsArrived, StaffAlertRaised, StaffCalled, StaffComing
from kiosk.store import QUARANTINED, QUEUED, KioskStore
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem
from kiosk.sync.outbox import AUTH_STATUSES

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SKEW_WARNING_S = 300.0


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
        publish: Callable[[Event], None] | None = None,
        settings_file: Path | None = None,
    ) -> None:
        """settings_file: where the backend's settings are kept (None: not kept)."""
        self.settings = settings
        self.settings_file = settings_file
        self._kept_settings: dict[str, Any] | None = None  # read from the file on first use
        self.publish = publish
        # The acknowledged calls already published (the backend repeats them for a while).
        self._acknowledged: set[datetime] = set()
        self.store = store
        self.http = http
        self.device_states = device_states
        self.catalog_version = catalog_version
        self.clock = clock
        self._skew_warned = False
        # Whether the backend accepted this kiosk's token at the last heartbeat it answered
        # (None: no answer yet). A token of another kiosk is refused here with a 403, where a
        # batch would only reject each application: SyncClient sends nothing until it is True.
        self.accepted: bool | None = None
        self.refusal: str | None = None

    def beat(self) -> str | None:
        """Send one heartbeat; None when the backend acknowledged it, else what went wrong.
        Never raises: a heartbeat that cannot be built or read is a recorded problem."""
        try:
            return self._beat()
        except Exception as error:  # a bug or a failing store must not end the sync thread
            log.exception("heartbeat failed")
            return self._failed(f"the heartbeat failed: {plain(error)}")

    def _beat(self) -> str | None:
        # At most the wire's bound per heartbeat; the rest go with the next one.
        alerts = self._deliverable(self.store.pending_alerts(MAX_ALERTS))
        counts = self.store.sync_counts()
        sent_at = self.clock()
        try:
            heartbeat = Heartbeat(
                kiosk_id=self.settings.kiosk_id,
                app_version=__version__,
                catalog_version=self.catalog_version(),
                queue_depth=counts[QUEUED],
                quarantined=counts[QUARANTINED],
                devices=self.device_states(),
                alerts=[alert for _, alert in alerts],
                sent_at=sent_at,
            )
        except ValidationError as error:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors()[:5])
            return self._failed(f"this kiosk's heartbeat is not valid ({fields})")
        try:
            response = self.http.request("POST", HEARTBEAT_PATH, body=heartbeat.model_dump_json())
            if response.status_code in AUTH_STATUSES:
                return self._refused_token(response)
            if response.status_code != 200:
                return self._failed(f"HTTP {response.status_code}: {problem(response)}")
            reply = HeartbeatReply.model_validate_json(response.content)
        except BackendUnreachable as error:
            return self._failed(str(error))
        except (ValidationError, ValueError):
            return self._failed("the backend's reply is not a heartbeat reply")
        self.accepted, self.refusal = True, None
        received_at = self.clock()
        self.store.forget_alerts([alert_id for alert_id, _ in alerts])
        self._staff_coming(reply)
        self._keep_settings(reply)
        skew = self._skew(reply, sent_at, received_at)
        self.store.set_sync_state(
            last_heartbeat=received_at.isoformat(),
            clock_skew_s=f"{skew:.1f}" if skew is not None else None,
            heartbeat_error=None,
        )
        return None

    def _staff_coming(self, reply: HeartbeatReply) -> None:
        """StaffComing once for each acknowledged call not seen before."""
        for call in reply.acknowledged_calls:
            if call.called_at in self._acknowledged:
                continue
            if len(self._acknowledged) > 100:  # bounded: the backend repeats only recent ones
                self._acknowledged.clear()
            self._acknowledged.add(call.called_at)
            log.info("a staff call (%s) was acknowledged: staff are coming", call.called_at)
            if self.publish is not None:
                self.publish(StaffComing(call.called_at.isoformat()))

    def _keep_settings(self, reply: HeartbeatReply) -> None:
        """The backend's settings into the kept file, when they differ from it; then
        SettingsArrived. A file that cannot be written keeps the old one (logged)."""
        if reply.settings_refused:
            log.warning(
                "the backend sent settings this kiosk's version cannot take; the last ones are "
                "kept (update the kiosk, or keep the settings within its bounds)"
            )
        if reply.settings is None or self.settings_file is None:
            return  # a backend before pushed settings: the kiosk keeps what it has
        values = reply.settings.values()
        if self._kept_settings is None:
            self._kept_settings = read_backend_settings(self.settings_file)
        if values == self._kept_settings:
            return
        try:
            write_atomically(self.settings_file, json.dumps(values, ensure_ascii=False, indent=1))
        except OSError as error:
            log.error("the backend's settings could not be kept (%s)", error.strerror)
            return
        self._kept_settings = values
        log.info("the backend's settings changed: %s", ", ".join(sorted(values)) or "none set")
        if self.publish is not None:
            self.publish(SettingsArrived(tuple(sorted(values))))

    def _deliverable(self, rows: list[dict]) -> list[tuple[int, StaffAlert]]:
        """The stored alerts as the wire accepts them. One it refuses would be refused with
        every heartbeat, holding back those behind it: a time it refuses (a clock that was
        wrong) becomes now, a detail it refuses is left out; a kind it refuses is logged and
        the alert dropped."""
        alerts, refused = [], []
        for row in rows:
            try:
                alert = StaffAlert(
                    kind=row["kind"], at=datetime.fromisoformat(row["at"]), detail=row["detail"]
                )
            except (ValidationError, ValueError, TypeError):
                try:
                    alert = StaffAlert(kind=row["kind"], at=self.clock(), detail="")
                except (ValidationError, ValueError, TypeError):
                    refused.append(row["id"])
                    continue
            alerts.append((row["id"], alert))
        if refused:
            log.error("%d staff alert(s) of an unknown kind cannot be sent; dropped", len(refused))
            self.store.forget_alerts(refused)
        return alerts

    def _skew(
        self, reply: HeartbeatReply, sent_at: datetime, received_at: datetime
    ) -> float | None:
        """Seconds the backend's clock is ahead of this one; None when its time is unusable."""
        # The request's midpoint is the best local guess of when the server read its clock.
        local_middle = sent_at + (received_at - sent_at) / 2
        try:
            skew = (reply.server_time - local_middle).total_seconds()
        except (TypeError, OverflowError):  # no time zone, or a time out of any range
            log.warning("the backend's server_time is not usable; clock skew unknown")
            return None
        self._note_skew(skew)
        return skew

    def _refused_token(self, response: requests.Response) -> str:
        """401/403: the token is unknown, of another kind, or another kiosk's. Nothing is sent
        with it until a heartbeat is accepted again (SyncClient.drain_once asks first)."""
        self.accepted = False
        kiosk = self.settings.kiosk_id
        self.refusal = (
            f"the backend refuses this kiosk's token (HTTP {response.status_code}: "
            f"{problem(response)}): set backend_token to the token the backend issued for "
            f"{kiosk} (on the backend machine: kiosk backend token {kiosk}), or enroll it "
            f"again (kiosk backend kiosk enroll {kiosk} there, kiosk setup enroll URL CODE here)"
        )
        return self._failed(self.refusal)

    def _failed(self, error: str) -> str:
        try:
            self.store.set_sync_state(heartbeat_error=error)
        except Exception:  # the store failing too (a full disk): the log has it
            log.exception("the heartbeat error could not be recorded")
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


def write_atomically(path: Path, text: str) -> None:
    """A file's new content in full or not at all, even across a power cut: written beside
    it, flushed to disk, renamed over it, and the rename itself flushed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
