"""The receipt printer as the rest of the kiosk sees it: a small interface and typed results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from core.receipt import Receipt
from devices.device_state import DeviceState, DeviceStatus
from devices.escpos_status import Condition

# The printer's state and status are those every device has.
PrinterState = DeviceState
PrinterStatus = DeviceStatus


class PrintOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED_BEFORE_START = "failed_before_start"
    FAILED_MID_JOB = "failed_mid_job"
    UNKNOWN = "unknown"  # every byte went out, but the printer never confirmed


@dataclass(frozen=True)
class PrintResult:
    outcome: PrintOutcome
    detail: str = ""  # for the technician's journal; never personal data
    artifact: Path | None = None  # where a simulator left what it "printed"
    conditions: frozenset[Condition] = frozenset()


class ReceiptPrinter(Protocol):
    name: str

    @property
    def state(self) -> PrinterState: ...

    def status(self) -> PrinterStatus:
        """The last status read; the supervisor keeps it fresh."""
        ...

    def refresh_status(self, deadline_s: float) -> PrinterStatus:
        """Ask the printer now (and reconnect if it was away)."""
        ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def print_receipt(self, receipt: Receipt, deadline_s: float) -> PrintResult: ...
