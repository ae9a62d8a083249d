"""The receipt printer as the rest of the kiosk sees it: a small interface and typed results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kiosk.receipt import Receipt


class PrinterState(StrEnum):
    CLOSED = "closed"
    READY = "ready"
    BUSY = "busy"
    ERROR = "error"


class PrintOutcome(StrEnum):
    COMPLETED = "completed"
    FAILED_BEFORE_START = "failed_before_start"
    FAILED_MID_JOB = "failed_mid_job"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrintResult:
    outcome: PrintOutcome
    detail: str = ""  # for the technician's journal; never personal data
    artifact: Path | None = None  # where a simulator left what it "printed"


class ReceiptPrinter(Protocol):
    name: str

    @property
    def state(self) -> PrinterState: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def print_receipt(self, receipt: Receipt, deadline_s: float) -> PrintResult: ...
