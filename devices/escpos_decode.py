"""Decode the ESC/POS byte stream we send back into lines, pictures and QR codes.

Used by the printer emulator (which must act on status requests as the bytes arrive, so the
decoder is incremental: feed it whatever the line delivered, and it acts on complete commands
only), by the simulated printer, and by tests that compare what we meant with what went over the
wire. Unknown commands are an error, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.receipt import Align
from devices.raster import Raster


class EscPosDecodeError(ValueError):
    pass


class _Incomplete(Exception):
    """The command at the current position needs bytes that have not arrived yet."""


@dataclass(frozen=True)
class PrintedLine:
    text: str
    scale: int
    bold: bool
    align: Align


@dataclass(frozen=True)
class PrintedQr:
    data: str
    module_dots: int = 6  # GS ( k 31 43 n: the module size the job asked for


@dataclass(frozen=True)
class PrintedImage:
    raster: Raster


Printed = PrintedLine | PrintedQr | PrintedImage


@dataclass
class DecodedJob:
    items: list[Printed] = field(default_factory=list)
    cuts: int = 0
    initialized: bool = False
    kanji_shift_jis: bool = False

    @property
    def text_lines(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, PrintedLine)]

    @property
    def qr_codes(self) -> list[str]:
        return [item.data for item in self.items if isinstance(item, PrintedQr)]

    @property
    def images(self) -> list[Raster]:
        return [item.raster for item in self.items if isinstance(item, PrintedImage)]


@dataclass(frozen=True)
class StatusRequest:
    """DLE EOT n arrived: a real printer answers at once, whatever it is printing."""

    n: int


@dataclass(frozen=True)
class JobCut:
    """The paper was cut: one receipt is complete."""

    job: DecodedJob


@dataclass(frozen=True)
class ProcessIdRequest:
    """GS ( H fn 48: answer with the token once everything before it has printed."""

    token: bytes


DecoderEvent = StatusRequest | JobCut | ProcessIdRequest


class StreamDecoder:
    """strict=False acts as a printer does with bytes it does not understand: skip them."""

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self.skipped = 0
        self._pending = bytearray()
        self.job = DecodedJob()
        self.bytes_since_initialize = 0
        self._reset_state()

    def _reset_state(self) -> None:
        self._scale, self._bold, self._align, self._kanji = 1, False, Align.LEFT, False
        self._kanji_shift_jis = False
        self._pending_qr: bytes | None = None
        self._qr_module_dots = 6
        self._text = bytearray()  # bytes of the current run, all in one kanji mode
        self._runs: list[str] = []  # the line so far, decoded run by run

    def power_cycle(self) -> None:
        """What a printer reset does: forget modes, the half-received line and command."""
        self._reset_state()
        self._pending.clear()

    @property
    def pending_bytes(self) -> int:
        return len(self._pending)

    @property
    def idle(self) -> bool:
        """No half-received command is waiting for more bytes."""
        return not self._pending

    def feed(self, data: bytes) -> list[DecoderEvent]:
        self._pending += data
        events: list[DecoderEvent] = []
        position = 0
        try:
            while position < len(self._pending):
                try:
                    used, event = self._command(position)
                except EscPosDecodeError:
                    if self.strict:
                        raise
                    used, event = 1, None
                    self.skipped += 1
                position += used
                self.bytes_since_initialize += used
                if event is not None:
                    events.append(event)
        except _Incomplete:
            pass
        del self._pending[:position]
        return events

    def _close_run(self) -> None:
        encoding = "cp932" if self._kanji and self._kanji_shift_jis else "latin-1"
        self._runs.append(bytes(self._text).decode(encoding, errors="replace"))
        self._text.clear()

    def _need(self, position: int, count: int) -> bytes:
        if position + count > len(self._pending):
            raise _Incomplete
        return bytes(self._pending[position : position + count])

    def _command(self, at: int) -> tuple[int, DecoderEvent | None]:
        byte = self._pending[at]
        if byte == 0x10:  # DLE
            command = self._need(at, 3)
            if command[1] == 0x04:
                return 3, StatusRequest(command[2])
            raise EscPosDecodeError(f"unknown DLE command 0x{command[1]:02X} at byte {at}")
        if byte == 0x1B:
            return self._esc(at), None
        if byte == 0x1C:
            return self._fs(at), None
        if byte == 0x1D:
            return self._gs(at)
        if byte == 0x0A:  # LF ends a printed line
            self._close_run()
            self.job.items.append(
                PrintedLine("".join(self._runs), self._scale, self._bold, self._align)
            )
            self._runs.clear()
            return 1, None
        if byte >= 0x20:
            # Shift_JIS lead bytes take their trail byte with them.
            lead = 0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC
            width = 2 if self._kanji and lead else 1
            self._text += self._need(at, width)
            return width, None
        raise EscPosDecodeError(f"unexpected control byte 0x{byte:02X} at byte {at}")

    def _esc(self, at: int) -> int:
        command = self._need(at, 2)[1]
        if command == 0x40:
            self._reset_state()
            self.job.initialized = True
            self.bytes_since_initialize = 0
            return 2
        if command in (0x52, 0x74, 0x61, 0x45, 0x64):
            argument = self._need(at, 3)[2]
            if command == 0x61:
                self._align = Align.CENTER if argument in (1, 49) else Align.LEFT
            elif command == 0x45:
                self._bold = bool(argument & 1)
            return 3
        raise EscPosDecodeError(f"unknown ESC command 0x{command:02X} at byte {at}")

    def _fs(self, at: int) -> int:
        command = self._need(at, 2)[1]
        if command in (0x26, 0x2E):
            self._close_run()
            self._kanji = command == 0x26
            return 2
        if command == 0x43:
            self._kanji_shift_jis = self.job.kanji_shift_jis = self._need(at, 3)[2] in (1, 49)
            return 3
        raise EscPosDecodeError(f"unknown FS command 0x{command:02X} at byte {at}")

    def _gs(self, at: int) -> tuple[int, DecoderEvent | None]:
        command = self._need(at, 2)[1]
        if command == 0x21:
            self._scale = (self._need(at, 3)[2] & 0x0F) + 1
            return 3, None
        if command == 0x56:
            used = 4 if self._need(at, 3)[2] in (0x41, 0x42) else 3
            self._need(at, used)
            self.job.cuts += 1
            done, self.job = self.job, DecodedJob()
            self.job.kanji_shift_jis = self._kanji_shift_jis
            return used, JobCut(done)
        if command == 0x28 and self._need(at, 3)[2] == 0x6B:
            header = self._need(at, 5)
            size = header[3] | (header[4] << 8)
            body = self._need(at, 5 + size)[5:]
            if size >= 2 and body[1] == 0x50:
                self._pending_qr = body[3:]
            elif size == 3 and body[1] == 0x43:
                self._qr_module_dots = body[2]
            elif size >= 2 and body[1] == 0x51 and self._pending_qr is not None:
                data = self._pending_qr.decode("utf-8", errors="replace")
                self.job.items.append(PrintedQr(data, self._qr_module_dots))
                self._pending_qr = None
            return 5 + size, None
        if command == 0x28 and self._need(at, 3)[2] == 0x48:
            header = self._need(at, 5)
            size = header[3] | (header[4] << 8)
            body = self._need(at, 5 + size)[5:]
            if size == 6 and body[:2] == b"\x30\x30":
                return 5 + size, ProcessIdRequest(body[2:])
            return 5 + size, None
        if command == 0x76 and self._need(at, 3)[2] == 0x30:
            header = self._need(at, 8)
            width_bytes = header[4] | (header[5] << 8)
            height = header[6] | (header[7] << 8)
            data = self._need(at, 8 + width_bytes * height)[8:]
            self.job.items.append(PrintedImage(Raster(width_bytes, height, data)))
            return 8 + width_bytes * height, None
        raise EscPosDecodeError(f"unknown GS command 0x{command:02X} at byte {at}")


def decode(stream: bytes) -> DecodedJob:
    """Decode a whole stream as one job (every cut counted); it must end on a whole command."""
    decoder = StreamDecoder()
    merged = DecodedJob()
    for event in decoder.feed(stream):
        if isinstance(event, JobCut):
            merged.items += event.job.items
            merged.cuts += 1
            merged.initialized |= event.job.initialized
            merged.kanji_shift_jis |= event.job.kanji_shift_jis
    if not decoder.idle:
        at = len(stream) - decoder.pending_bytes
        raise EscPosDecodeError(f"command at byte {at} is cut short")
    merged.items += decoder.job.items
    merged.initialized |= decoder.job.initialized
    merged.kanji_shift_jis |= decoder.job.kanji_shift_jis
    return merged


def describe(job: DecodedJob) -> list[str]:
    """The job as text, one row per printed item, for journals, tests and the .txt beside a PNG."""
    rows = []
    for item in job.items:
        if isinstance(item, PrintedLine):
            rows.append(item.text)
        elif isinstance(item, PrintedQr):
            rows.append(f"[QR] {item.data}")
        else:
            rows.append(f"[image {item.raster.width_bytes * 8}x{item.raster.height}]")
    return rows
