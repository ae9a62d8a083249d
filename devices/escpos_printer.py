"""A real ESC/POS receipt printer on a serial line or the network.

Every job: status before (DLE EOT), the bytes (preamble first, so a printer that reset still
prints kanji), status after. The outcome says what is known and no more: a job whose bytes all
went out but whose printer never answered afterwards is "unknown", not "completed".
"""

from __future__ import annotations

import threading
import time

from core.receipt import Receipt
from devices import escpos_status
from devices.escpos import encode_receipt, process_id_reply
from devices.escpos_status import BLOCKING, CAUSES_OF_OFFLINE, Condition, StatusReplyError
from devices.printer import PrinterState, PrinterStatus, PrintOutcome, PrintResult
from devices.printer_models import DEFAULT_MODEL, PrinterModel
from devices.transport import Transport, TransportClosed, TransportError

OPEN_DEADLINE_S = 2.0
STATUS_REPLY_S = 0.5  # a printer answers DLE EOT within milliseconds, even while printing
BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
AFTER_JOB_MARGIN_S = 2.0


class EscPosPrinter:
    def __init__(self, transport: Transport, model: PrinterModel = DEFAULT_MODEL) -> None:
        self.transport = transport
        self.model = model
        self.name = transport.endpoint.url
        self._lock = threading.Lock()  # one conversation with the printer at a time
        self._status = PrinterStatus(PrinterState.CLOSED)
        self._jobs = 0

    @property
    def state(self) -> PrinterState:
        return self._status.state

    def status(self) -> PrinterStatus:
        return self._status

    def open(self) -> None:
        """Connect and read the status; an absent printer is a status, not an exception."""
        self.refresh_status(OPEN_DEADLINE_S)

    def close(self) -> None:
        with self._lock:
            self.transport.close()
            self._status = PrinterStatus(PrinterState.CLOSED)

    def refresh_status(self, deadline_s: float) -> PrinterStatus:
        with self._lock:
            return self._refresh(deadline_s)

    def _refresh(self, deadline_s: float) -> PrinterStatus:
        if not self.transport.is_open:
            try:
                self.transport.open(deadline_s)
            except TransportError as error:
                return self._set(PrinterState.ERROR, {Condition.NOT_CONNECTED}, str(error))
        try:
            conditions = self._ask(time.monotonic() + deadline_s)
        except TransportClosed as error:
            return self._set(PrinterState.ERROR, {Condition.NOT_CONNECTED}, str(error))
        except (TransportError, StatusReplyError) as error:
            return self._set(PrinterState.ERROR, {Condition.NOT_ANSWERING}, str(error))
        state = PrinterState.ERROR if conditions & BLOCKING else PrinterState.READY
        return self._set(state, conditions)

    def _set(self, state: PrinterState, conditions, detail: str = "") -> PrinterStatus:
        self._status = PrinterStatus(state, frozenset(conditions), detail)
        return self._status

    def _ask(self, end: float) -> frozenset[Condition]:
        """DLE EOT 1..4, each reply validated; raises when the printer does not answer."""
        self.transport.discard_input()  # a late reply to an earlier question is not this answer
        replies: dict[int, int] = {}
        for n in escpos_status.QUERIES:
            self.transport.write(escpos_status.request(n), max(end - time.monotonic(), 0.05))
            reply = self.transport.read(1, min(STATUS_REPLY_S, max(end - time.monotonic(), 0)))
            if not reply:
                # Covers a silent printer and a wait that outlived the job's transmission.
                raise TransportError(f"{self.name}: no status reply to DLE EOT {n}")
            replies[n] = escpos_status.check_reply(n, reply[0])
        return escpos_status.conditions_from(replies)

    def print_receipt(self, receipt: Receipt, deadline_s: float) -> PrintResult:
        with self._lock:
            token = self._next_token()
            return self._print(encode_receipt(receipt, self.model, token), token, deadline_s)

    def print_bytes(self, stream: bytes, deadline_s: float) -> PrintResult:
        """A prepared job without a process id (the technician's test receipt)."""
        with self._lock:
            return self._print(stream, None, deadline_s)

    def _next_token(self) -> str | None:
        if not self.model.process_id:
            return None
        self._jobs += 1
        return f"{self._jobs % 10000:04d}"

    def _print(self, stream: bytes, token: str | None, deadline_s: float) -> PrintResult:
        end = time.monotonic() + deadline_s
        before = self._refresh(min(deadline_s, OPEN_DEADLINE_S))
        if before.state is not PrinterState.READY:
            return PrintResult(
                PrintOutcome.FAILED_BEFORE_START,
                before.detail or ", ".join(sorted(before.conditions)),
                conditions=before.conditions,
            )
        self._status = PrinterStatus(PrinterState.BUSY, before.conditions)
        # Replies queue behind the job on the line: allow for its transmission time.
        line_s = len(stream) * BITS_PER_BYTE / self.transport.endpoint.baud
        try:
            self.transport.write(stream, end - time.monotonic())
            wait_end = time.monotonic() + min(line_s + AFTER_JOB_MARGIN_S, end - time.monotonic())
            printed = self._await_process_id(token, wait_end) if token else None
            conditions = (
                self._ask(time.monotonic() + 4 * STATUS_REPLY_S)
                if token
                else self._ask_after(wait_end)
            )
        except TransportClosed as error:
            # The line went away before the printer confirmed: the paper is at best partial.
            after = self._set(PrinterState.ERROR, {Condition.NOT_CONNECTED}, str(error))
            return PrintResult(PrintOutcome.FAILED_MID_JOB, str(error), conditions=after.conditions)
        except (TransportError, StatusReplyError) as error:
            self._set(PrinterState.ERROR, {Condition.NOT_ANSWERING}, str(error))
            return PrintResult(
                PrintOutcome.UNKNOWN,
                f"sent {len(stream)} bytes; no status afterwards ({error})",
                conditions=frozenset({Condition.NOT_ANSWERING}),
            )
        state = PrinterState.ERROR if conditions & BLOCKING else PrinterState.READY
        self._set(state, conditions)
        # Offline with no cause given: the printer restarted, so the job's end is lost.
        restarted = Condition.OFFLINE in conditions and not conditions & CAUSES_OF_OFFLINE
        if restarted or (conditions & BLOCKING and not printed):
            reason = "restarted" if restarted else ", ".join(sorted(conditions))
            return PrintResult(
                PrintOutcome.FAILED_MID_JOB,
                f"stopped during the job: {reason}",
                conditions=conditions,
            )
        if printed is False:
            return PrintResult(
                PrintOutcome.UNKNOWN,
                f"sent {len(stream)} bytes; the printer did not confirm printing them",
                conditions=conditions,
            )
        return PrintResult(PrintOutcome.COMPLETED, f"{len(stream)} bytes", conditions=conditions)

    def _await_process_id(self, token: str, end: float) -> bool:
        """True once the printer says everything up to the token printed; False at the deadline."""
        wanted = process_id_reply(token)
        received = b""
        while time.monotonic() < end:
            received += self.transport.read(len(wanted), max(end - time.monotonic(), 0))
            if wanted in received:
                return True
            received = received[-len(wanted) :]
        return False

    def _ask_after(self, end: float) -> frozenset[Condition]:
        """For models without process ids: the first status reply waits behind the job."""
        self.transport.write(escpos_status.request(escpos_status.PRINTER), 1.0)
        first = self.transport.read(1, max(end - time.monotonic(), 0))
        if not first:
            raise TransportError(f"{self.name}: no status reply after the job")
        printer = escpos_status.check_reply(escpos_status.PRINTER, first[0])
        rebooting = escpos_status.conditions_from({escpos_status.PRINTER: printer})
        return rebooting | self._ask(time.monotonic() + 4 * STATUS_REPLY_S)
