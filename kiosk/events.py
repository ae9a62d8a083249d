"""Plain-Python events: devices, sync and services publish here from any thread.

Subscribers are called on the publishing thread. The GUI never subscribes directly; the Qt
bridge (kiosk.qtbridge) re-emits every event on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    APPLICATION_DID_FINALIZE = "application_did_finalize"
    RECEIPT_DID_PRINT = "receipt_did_print"
    RECEIPT_DID_FAIL = "receipt_did_fail"
    STAFF_WAS_CALLED = "staff_was_called"
    SYNC_DID_FINISH = "sync_did_finish"
    DEVICE_STATUS_DID_CHANGE = "device_status_did_change"
    STAFF_ALERT_WAS_RAISED = "staff_alert_was_raised"  # for staff, via the heartbeat
    SCAN_DID_ARRIVE = "scan_did_arrive"  # a usable pre-entry; answers wait in Services
    SCAN_WAS_REFUSED = "scan_was_refused"  # read, but not usable; detail names the message
    SCAN_WAS_IGNORED = "scan_was_ignored"  # no screen was waiting for a scan
    CARD_PAGE_DID_CHANGE = "card_page_did_change"  # step and message keys, no card data


@dataclass(frozen=True)
class Event:
    kind: EventKind
    # Only non-personal facts (ids, reception numbers, states): events may be logged.
    detail: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    """A tiny thread-safe publish/subscribe hub."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; the returned function removes it again."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        log.debug("event %s %s", event.kind, event.detail)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("event subscriber failed for %s", event.kind)
