"""The last few faults of each device, with when they happened, for technician mode.

Fed from the event bus (DeviceStatusChanged from the supervisor's polls, ReceiptFailed from a
print), so a fault seen before technician mode was ever opened is still there. Bounded: a
printer that flaps all day keeps only its newest few faults, and a device name never seen
before costs one short list. Only states, conditions and outcomes: never a receipt's content.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.events import DeviceStatusChanged, Event, ReceiptFailed

FAULTS_KEPT = 5  # per device: enough to see a pattern, short enough for one screen
DEVICES_KEPT = 8  # printer, scanner, card reader … with room to spare
# States a device reports that need no technician (busy is a print in progress).
FINE_STATES = frozenset({"ready", "busy"})


@dataclass(frozen=True)
class DeviceFault:
    at: float  # wall-clock seconds (time.time), shown as local time
    device: str  # the role: printer, scanner …
    state: str  # error, closed … or the print outcome (failed_mid_job …)
    conditions: tuple[str, ...] = ()


class DeviceFaults:
    """A bounded record of recent faults per device; thread-safe (events arrive from the
    supervisor's and the printing worker's threads)."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._faults: dict[str, deque[DeviceFault]] = {}

    def on_event(self, event: Event) -> None:
        """An EventBus subscriber: keeps what is a fault, ignores everything else."""
        if isinstance(event, DeviceStatusChanged):
            if event.state not in FINE_STATES or event.conditions:
                self.record(event.device, event.state, event.conditions)
        elif isinstance(event, ReceiptFailed):
            self.record("printer", event.outcome, tuple(event.conditions))

    def record(self, device: str, state: str, conditions: tuple[str, ...] = ()) -> None:
        fault = DeviceFault(self._now(), device, state, tuple(sorted(conditions)))
        with self._lock:
            kept = self._faults.get(device)
            if kept is None:
                if len(self._faults) >= DEVICES_KEPT:
                    return  # an unknown flood of names: the known devices' record stays
                kept = self._faults[device] = deque(maxlen=FAULTS_KEPT)
            kept.append(fault)

    def recent(self, device: str) -> list[DeviceFault]:
        """The device's kept faults, newest first."""
        with self._lock:
            return list(reversed(self._faults.get(device, ())))

    def devices(self) -> list[str]:
        with self._lock:
            return sorted(self._faults)
