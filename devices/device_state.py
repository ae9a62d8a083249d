"""The state every device reports, and a status that knows how old it is."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum


class DeviceState(StrEnum):
    CLOSED = "closed"
    READY = "ready"
    BUSY = "busy"
    ERROR = "error"


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    conditions: frozenset[str] = frozenset()  # printer Conditions, or scanner ones
    detail: str = ""  # for the technician; never personal data
    at: float = field(default_factory=time.monotonic)  # when it was read: stale ones are refused

    def age_s(self) -> float:
        return time.monotonic() - self.at
