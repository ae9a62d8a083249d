"""Plain-Python events: devices, sync and services publish here from any thread.

Each kind of event is its own frozen dataclass (ReceiptFailed, CardPageChanged …) that names
its EventKind, so a consumer reads typed fields instead of looking up string keys. Payloads
carry only non-personal facts (ids, reception numbers, states, message keys): events may be
logged. Subscribers are called on the publishing thread. The GUI never subscribes directly;
the Qt bridge (kiosk.qtbridge) re-emits every event on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import ClassVar

from kiosk.card_session import CardPage, CardStep

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    APPLICATION_DID_FINALIZE = "application_did_finalize"
    RECEIPT_DID_PRINT = "receipt_did_print"
    RECEIPT_DID_FAIL = "receipt_did_fail"
    STAFF_WAS_CALLED = "staff_was_called"
    STAFF_IS_COMING = "staff_is_coming"  # a staff call was acknowledged on the console
    SYNC_DID_FINISH = "sync_did_finish"
    DEVICE_STATUS_DID_CHANGE = "device_status_did_change"
    STAFF_ALERT_WAS_RAISED = "staff_alert_was_raised"  # for staff, via the heartbeat
    SCAN_DID_ARRIVE = "scan_did_arrive"  # a usable pre-entry; answers wait in Services
    SCAN_WAS_REFUSED = "scan_was_refused"  # read, but not usable; names the message
    SCAN_WAS_IGNORED = "scan_was_ignored"  # no screen was waiting for a scan
    CARD_PAGE_DID_CHANGE = "card_page_did_change"  # step and message keys, no card data
    SETTINGS_DID_ARRIVE = "settings_did_arrive"  # the backend pushed other settings


@dataclass(frozen=True)
class Event:
    """The base of every payload; `kind` is fixed per subclass."""

    kind: ClassVar[EventKind]


@dataclass(frozen=True)
class ApplicationFinalized(Event):
    kind: ClassVar[EventKind] = EventKind.APPLICATION_DID_FINALIZE
    application_id: str
    reception_number: str


@dataclass(frozen=True)
class ReceiptPrinted(Event):
    kind: ClassVar[EventKind] = EventKind.RECEIPT_DID_PRINT
    application_id: str
    conditions: tuple[str, ...] = ()  # e.g. paper_near_end: printed, but staff should know
    artifact: str | None = None  # where a file-writing printer put the receipt


@dataclass(frozen=True)
class ReceiptFailed(Event):
    kind: ClassVar[EventKind] = EventKind.RECEIPT_DID_FAIL
    application_id: str
    outcome: str  # devices.printer.PrintOutcome's value
    problem: str  # UI text key of what the resident is told (printer_paper_out …)
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffCalled(Event):
    kind: ClassVar[EventKind] = EventKind.STAFF_WAS_CALLED
    screen: str  # the screen the resident called from


@dataclass(frozen=True)
class StaffComing(Event):
    """A member of staff acknowledged this kiosk's call on the console (the heartbeat reply
    said so): the resident is told 職員が向かっています (UI text key staff_coming)."""

    kind: ClassVar[EventKind] = EventKind.STAFF_IS_COMING
    called_at: str  # the call's time (ISO 8601), as the backend keeps it


@dataclass(frozen=True)
class SyncFinished(Event):
    kind: ClassVar[EventKind] = EventKind.SYNC_DID_FINISH
    sent: int
    quarantined: int
    queued: int  # still waiting after this round
    error: str | None = None


@dataclass(frozen=True)
class DeviceStatusChanged(Event):
    kind: ClassVar[EventKind] = EventKind.DEVICE_STATUS_DID_CHANGE
    device: str  # the role: printer, scanner …
    state: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffAlertRaised(Event):
    kind: ClassVar[EventKind] = EventKind.STAFF_ALERT_WAS_RAISED
    device: str
    conditions: tuple[str, ...]


@dataclass(frozen=True)
class ScanArrived(Event):
    kind: ClassVar[EventKind] = EventKind.SCAN_DID_ARRIVE
    procedure_id: str  # the answers stay in Services, never in the event


@dataclass(frozen=True)
class ScanRefused(Event):
    kind: ClassVar[EventKind] = EventKind.SCAN_WAS_REFUSED
    problem: str  # UI text key


@dataclass(frozen=True)
class ScanIgnored(Event):
    kind: ClassVar[EventKind] = EventKind.SCAN_WAS_IGNORED


@dataclass(frozen=True)
class SettingsArrived(Event):
    """The heartbeat reply carried settings that differ from those kept, and they are now in
    data/backend-settings.json: they take effect at the next resident (Services)."""

    kind: ClassVar[EventKind] = EventKind.SETTINGS_DID_ARRIVE
    names: tuple[str, ...]  # the settings the backend now sets (names only, no values)


@dataclass(frozen=True)
class CardPageChanged(CardPage, Event):
    """What the card page shows now: the card session's CardPage (step and message keys, no
    card data), as an event."""

    kind: ClassVar[EventKind] = EventKind.CARD_PAGE_DID_CHANGE

    @classmethod
    def from_page(cls, page: CardPage) -> CardPageChanged:
        return cls(**{name.name: getattr(page, name.name) for name in fields(CardPage)})

    @property
    def asks_for_pin(self) -> bool:
        return self.step is CardStep.PIN_ENTRY


# Every kind has exactly one payload class (tests/test_events.py checks the table is whole).
PAYLOADS: dict[EventKind, type[Event]] = {
    payload.kind: payload
    for payload in (
        ApplicationFinalized,
        ReceiptPrinted,
        ReceiptFailed,
        StaffCalled,
        StaffComing,
        SyncFinished,
        DeviceStatusChanged,
        StaffAlertRaised,
        ScanArrived,
        ScanRefused,
        ScanIgnored,
        SettingsArrived,
        CardPageChanged,
    )
}


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
        log.debug("event %r", event)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("event subscriber failed for %s", event.kind)
