"""A simulated receipt printer: takes the real ESC/POS bytes, decodes them, and keeps the paper.

Each job leaves receipt-NNNN.bin (the bytes), .txt (the decoded lines) and .png (drawn with the
Japanese font) in its output folder, so a demo or a test can see exactly what would have printed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from core.receipt import Receipt
from devices.escpos import encode_receipt
from devices.escpos_decode import EscPosDecodeError, decode, describe
from devices.printer import PrinterState, PrinterStatus, PrintOutcome, PrintResult


class SimulatedPrinter:
    name = "sim"

    def __init__(self, output_dir: Path, render_png: bool = True) -> None:
        self.output_dir = output_dir
        self.render_png = render_png
        self._state = PrinterState.CLOSED
        self._lock = threading.Lock()

    @property
    def state(self) -> PrinterState:
        return self._state

    def status(self) -> PrinterStatus:
        return PrinterStatus(self._state)

    def refresh_status(self, deadline_s: float) -> PrinterStatus:
        return self.status()

    def open(self) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._state = PrinterState.READY

    def close(self) -> None:
        self._state = PrinterState.CLOSED

    def _next_stem(self) -> Path:
        numbers = [int(p.stem.split("-")[1]) for p in self.output_dir.glob("receipt-*.bin")]
        return self.output_dir / f"receipt-{max(numbers, default=0) + 1:04d}"

    def print_receipt(self, receipt: Receipt, deadline_s: float) -> PrintResult:
        # The simulator finishes well inside any deadline; a real transport enforces deadline_s.
        if self._state is not PrinterState.READY:
            return PrintResult(PrintOutcome.FAILED_BEFORE_START, f"printer is {self._state}")
        with self._lock:
            self._state = PrinterState.BUSY
            try:
                stream = encode_receipt(receipt)
                stem = self._next_stem()
                stem.with_suffix(".bin").write_bytes(stream)
                job = decode(stream)
                lines = describe(job)
                stem.with_suffix(".txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
                artifact = stem.with_suffix(".txt")
                if self.render_png:
                    # Imported here: Pillow is only needed once something is printed.
                    from devices.receipt_render import render_job

                    artifact = render_job(job, stem.with_suffix(".png"))
            except (OSError, EscPosDecodeError, RuntimeError) as error:
                self._state = PrinterState.ERROR
                return PrintResult(PrintOutcome.FAILED_MID_JOB, type(error).__name__)
            self._state = PrinterState.READY
        return PrintResult(PrintOutcome.COMPLETED, f"{len(stream)} bytes", artifact)
