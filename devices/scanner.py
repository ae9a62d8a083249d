"""QR scanners in virtual serial (USB-CDC) mode: CR-terminated frames read with a timeout.

Keyboard-mode scanners are not supported on purpose: the Japanese IME turns scanned letters into
kana. Frames are decoded as UTF-8, else Shift_JIS (cp932); a frame that is neither is reported,
not guessed at. The same code scanned twice within the debounce window counts once. Nothing a
scan holds, and nothing its handler raises, ends the reading thread: it is reported instead.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from devices.device_state import DeviceState, DeviceStatus
from devices.transport import Transport, TransportError

FRAME_END = b"\r"
MAX_FRAME_BYTES = 4096
DEBOUNCE_S = 2.0
READ_S = 0.2  # how long one read waits; also how quickly stop() is noticed
REOPEN_S = 1.0  # between attempts to open a port that is away

log = logging.getLogger(__name__)


class ScanError(ValueError):
    pass


@dataclass(frozen=True)
class Scan:
    text: str
    encoding: str


def decode_frame(frame: bytes) -> Scan:
    for encoding in ("utf-8", "cp932"):
        try:
            return Scan(frame.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    raise ScanError(f"a {len(frame)}-byte scan is neither UTF-8 nor Shift_JIS")


class FrameSplitter:
    """Bytes in, whole frames out: a frame may arrive split across reads."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames = []
        while FRAME_END in self._buffer:
            frame, _, rest = bytes(self._buffer).partition(FRAME_END)
            self._buffer = bytearray(rest)
            frame = frame.strip(b"\n")  # some scanners send CR LF
            if frame:
                frames.append(frame)
        if len(self._buffer) > MAX_FRAME_BYTES:
            self._buffer.clear()  # a runaway frame without CR: drop it, keep listening
            raise ScanError(f"a scan longer than {MAX_FRAME_BYTES} bytes was dropped")
        return frames


class Debouncer:
    def __init__(self, window_s: float = DEBOUNCE_S) -> None:
        self.window_s = window_s
        self._last: tuple[str, float] | None = None

    def is_repeat(self, text: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        repeat = (
            self._last is not None and self._last[0] == text and now - self._last[1] < self.window_s
        )
        self._last = (text, now)
        return repeat


ScanHandler = Callable[[Scan], None]
ProblemHandler = Callable[[str], None]


class SerialScanner:
    """Reads frames on its own thread and hands each new scan to on_scan."""

    def __init__(
        self,
        transport: Transport,
        on_scan: ScanHandler,
        on_problem: ProblemHandler | None = None,
    ) -> None:
        self.transport = transport
        self.name = transport.endpoint.url
        self.on_scan = on_scan
        self.on_problem = on_problem or (lambda detail: None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = DeviceStatus(DeviceState.CLOSED)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> DeviceStatus:
        if self.alive and self._status.state is DeviceState.READY:
            # The reader thread reads every READ_S; while it runs, "ready" is current.
            self._status = DeviceStatus(DeviceState.READY)
        return self._status

    def start(self) -> None:
        if self.alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.transport.close()
        self._status = DeviceStatus(DeviceState.CLOSED)

    def _run(self) -> None:
        splitter, debouncer = FrameSplitter(), Debouncer()
        while not self._stop.is_set():
            try:
                self._read_once(splitter, debouncer)
            except Exception as error:  # a bug below must not end scanning for the day
                where = "".join(traceback.format_tb(error.__traceback__))
                log.error(
                    "scanner %s: unexpected %s; it keeps listening, at\n%s",
                    self.name,
                    type(error).__name__,
                    where,
                )
                self._report(f"the scanner hit an unexpected {type(error).__name__}")
                self._reopen_later()

    def _reopen_later(self) -> None:
        """After a failure nobody foresaw, start again from a closed port, a moment later
        (never a busy loop if the failure repeats)."""
        try:
            self.transport.close()
        except Exception:
            log.exception("scanner %s: closing the port failed", self.name)
        self._status = DeviceStatus(DeviceState.ERROR, frozenset({"not_connected"}))
        self._stop.wait(REOPEN_S)

    def _read_once(self, splitter: FrameSplitter, debouncer: Debouncer) -> None:
        if not self.transport.is_open:
            try:
                self.transport.open(REOPEN_S)
                self.transport.discard_input()
                self._status = DeviceStatus(DeviceState.READY)
            except TransportError as error:
                self._status = DeviceStatus(
                    DeviceState.ERROR, frozenset({"not_connected"}), str(error)
                )
                self._stop.wait(REOPEN_S)  # waits for stop(), or the next try
            return
        try:
            data = self.transport.read(256, READ_S)
            frames = splitter.feed(data) if data else []
        except TransportError as error:
            self._status = DeviceStatus(DeviceState.ERROR, frozenset({"not_connected"}), str(error))
            return
        except ScanError as error:
            self._report(str(error))
            return
        for frame in frames:
            self._deliver(frame, debouncer)

    def _deliver(self, frame: bytes, debouncer: Debouncer) -> None:
        """Hand one frame on. Whatever the handler does with it (a QR code can hold anything)
        is reported as a problem; the next scan must still arrive."""
        try:
            scan = decode_frame(frame)
        except ScanError as error:
            self._report(str(error))
            return
        if debouncer.is_repeat(scan.text):
            return
        try:
            self.on_scan(scan)
        except Exception as error:
            # The type and where, never the message: it may quote the scan, which may hold a
            # resident's answers.
            where = "".join(traceback.format_tb(error.__traceback__))
            log.error(
                "scanner %s: a scan could not be handled (%s) at\n%s",
                self.name,
                type(error).__name__,
                where,
            )
            self._report(f"a scan could not be handled ({type(error).__name__})")

    def _report(self, detail: str) -> None:
        try:
            self.on_problem(detail)
        except Exception:
            log.exception("scanner %s: the problem handler failed", self.name)


class SimulatedScanner:
    """For the demo and tests: scans arrive when someone calls inject()."""

    name = "sim"

    def __init__(self, on_scan: ScanHandler, on_problem: ProblemHandler | None = None) -> None:
        self.on_scan = on_scan
        self._debouncer = Debouncer()
        self.alive = True

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)

    def start(self) -> None:
        self.alive = True

    def stop(self, timeout_s: float = 2.0) -> None:
        self.alive = False

    def inject(self, text: str) -> None:
        if not self._debouncer.is_repeat(text):
            self.on_scan(Scan(text, "utf-8"))
