"""How APDUs reach a smart card: a small Transport interface, its PC/SC (pyscard) implementation,
and a supervisor thread that reports readers and cards coming and going.

pyscard is imported lazily, inside the functions that need it, so the kiosk (and its QR / manual
entry fallbacks) still starts on a machine where pyscard or pcscd is missing.

Every call into PC/SC has a deadline. SCardTransmit and SCardConnect have none of their own, so
they run on a worker thread that we wait on with a timeout; a call that overruns leaves its
connection unusable and the caller gets TransportTimeout (the next connect starts afresh).
pyscard's own CardMonitor / ReaderMonitor threads end silently when pcscd restarts, so the
supervisor here polls SCardGetStatusChange itself, with a timeout, and re-establishes its
context whenever pcscd goes away and comes back.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

log = logging.getLogger(__name__)

# The reader name prefix the vsmartcard virtual reader driver (vpcd) gives its slots.
VIRTUAL_READER_PREFIX = "Virtual PCD"
# The Plug-and-Play pseudo reader: SCardGetStatusChange on it wakes up when readers change.
_PNP_READER = "\\\\?PnP?\\Notification"
DEFAULT_CALL_TIMEOUT_S = 5.0


class TransportError(Exception):
    """A transport failure, before any status word could be read."""


class ServiceUnavailable(TransportError):
    """pcscd (or pyscard itself) is not there: no card can be read on this machine right now."""


class ReaderAbsent(TransportError):
    """No reader, or the named reader went away."""


class CardAbsent(TransportError):
    """No card in the reader, or it was taken out (possibly in the middle of an exchange)."""


class TransportTimeout(TransportError):
    """A call did not finish within its deadline; the connection must be dropped."""


class Transport(Protocol):
    """One connection to one card. A new card (or the same card re-inserted) = a new connect()."""

    def connect(self, timeout_s: float) -> bytes:
        """Connect to the card and return its ATR."""
        ...

    def disconnect(self) -> None: ...

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        """Send one APDU; return (response data, SW1, SW2)."""
        ...


def _scard() -> Any:
    """The low-level pyscard module, or ServiceUnavailable when pyscard is not installed."""
    try:
        from smartcard import scard
    except ImportError as error:  # the kiosk runs without pyscard; the card path is then off
        raise ServiceUnavailable("pyscard is not installed") from error
    return scard


def _error_for(scard: Any, hresult: int, doing: str) -> TransportError:
    """Map a PC/SC error code to the transport error the card logic can act on."""
    name = f"{doing}: {scard.SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})"
    if hresult in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
        return ServiceUnavailable(name)
    if hresult in (
        scard.SCARD_E_NO_READERS_AVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_READER_UNAVAILABLE,
    ):
        return ReaderAbsent(name)
    if hresult in (
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_W_UNPOWERED_CARD,
        scard.SCARD_W_UNRESPONSIVE_CARD,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_E_NOT_TRANSACTED,
        scard.SCARD_F_COMM_ERROR,
    ):
        # INVALID_HANDLE / NOT_TRANSACTED / COMM_ERROR are what a vanished card leaves behind
        # through some drivers: the only safe reading is "the card is not there any more".
        return CardAbsent(name)
    if hresult == scard.SCARD_E_TIMEOUT:
        return TransportTimeout(name)
    return TransportError(name)


class _BoundedCalls:
    """Runs blocking PC/SC calls on one worker thread and waits for each with a timeout."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None

    def run(self, call: Callable[[], Any], timeout_s: float, doing: str) -> Any:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, self._name)
        future = self._executor.submit(call)
        try:
            return future.result(timeout=max(timeout_s, 0.0))
        except concurrent.futures.TimeoutError:
            # The stuck call cannot be cancelled; abandon its worker so the next call gets a
            # fresh one instead of queueing behind it.
            self.abandon()
            raise TransportTimeout(f"{doing}: no answer within {timeout_s:.2f} s") from None

    def abandon(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def list_readers(timeout_s: float = DEFAULT_CALL_TIMEOUT_S) -> list[str]:
    """The PC/SC reader names right now; [] when there are none.

    Raises ServiceUnavailable when pcscd (or pyscard) is not there.
    """
    scard = _scard()
    calls = _BoundedCalls("pcsc-list")
    try:
        return calls.run(lambda: _list_readers_once(scard), timeout_s, "list readers")
    finally:
        calls.abandon()


def _list_readers_once(scard: Any) -> list[str]:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error_for(scard, hresult, "establish context")
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult in (scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_READER_UNAVAILABLE):
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error_for(scard, hresult, "list readers")
        return list(readers)
    finally:
        scard.SCardReleaseContext(context)


class PcscTransport:
    """A Transport over PC/SC to the card in one named reader."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self._calls = _BoundedCalls("pcsc-card")
        self._context: Any = None
        self._card: Any = None
        self._protocol: int | None = None
        self._card_gone = False

    def connect(self, timeout_s: float) -> bytes:
        self.disconnect()
        scard = _scard()
        return self._calls.run(lambda: self._connect(scard), timeout_s, "connect")

    def _connect(self, scard: Any) -> bytes:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error_for(scard, hresult, "establish context")
        hresult, card, protocol = scard.SCardConnect(
            context,
            self.reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hresult != scard.SCARD_S_SUCCESS:
            scard.SCardReleaseContext(context)
            raise _error_for(scard, hresult, "connect")
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(card)
        if hresult != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            scard.SCardReleaseContext(context)
            raise _error_for(scard, hresult, "status")
        self._context, self._card, self._protocol = context, card, protocol
        return bytes(atr)

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        if self._card is None:
            raise CardAbsent("not connected")
        scard = _scard()
        card, protocol = self._card, self._protocol

        def exchange() -> tuple[bytes, int, int]:
            hresult, response = scard.SCardTransmit(card, protocol, list(apdu))
            if hresult != scard.SCARD_S_SUCCESS:
                raise _error_for(scard, hresult, "transmit")
            if len(response) < 2:
                # No status word: the link to the card broke mid-exchange (vpcd reports a
                # vanished card this way, and so do contactless readers losing the field).
                raise CardAbsent(f"transmit: {len(response)}-byte response")
            return bytes(response[:-2]), response[-2], response[-1]

        try:
            return self._calls.run(exchange, timeout_s, "transmit")
        except CardAbsent:
            self._card_gone = True
            raise
        except TransportTimeout:
            # The handle may still be inside SCardTransmit on the abandoned worker: forget it
            # rather than race that thread; pcscd frees it when our context goes.
            self._card = self._context = None
            raise

    def disconnect(self) -> None:
        card, context = self._card, self._context
        # Unpower, not leave: a verified PIN state must not outlive this connection. But not a
        # card known to be gone: pcscd would then mark the slot empty on its own, and miss the
        # card when it comes back before its next presence poll.
        disposition = "SCARD_LEAVE_CARD" if self._card_gone else "SCARD_UNPOWER_CARD"
        self._card = self._context = self._protocol = None
        self._card_gone = False
        if card is None and context is None:
            return
        try:
            scard = _scard()
        except ServiceUnavailable:
            return

        def release() -> None:
            if card is not None:
                scard.SCardDisconnect(card, getattr(scard, disposition))
            if context is not None:
                scard.SCardReleaseContext(context)

        try:
            self._calls.run(release, DEFAULT_CALL_TIMEOUT_S, "disconnect")
        except TransportError as error:
            log.info("card disconnect ended with %s", type(error).__name__)


# -- readers and cards coming and going -----------------------------------------------------


class CardEvent(StrEnum):
    SERVICE_LOST = "service_lost"  # pcscd went away (or pyscard is missing)
    SERVICE_RESTORED = "service_restored"
    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"
    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"


@dataclass(frozen=True)
class ReaderSnapshot:
    """What the supervisor saw last: is PC/SC up, which readers, which of them hold a card."""

    service_up: bool = False
    readers: tuple[str, ...] = ()
    cards: frozenset[str] = field(default_factory=frozenset)

    def card_reader(self) -> str | None:
        """The first reader holding a card, if any."""
        return next((reader for reader in self.readers if reader in self.cards), None)


EventHandler = Callable[[CardEvent, str], None]


class CardSupervisor:
    """A thread that watches PC/SC and calls on_event(event, reader) when anything changes.

    It survives pcscd restarts and reader re-plugs: any PC/SC failure drops the context, reports
    SERVICE_LOST once, and the next round tries again after retry_s. on_event runs on the
    supervisor thread; a GUI hands it to its own thread (the Qt bridge does that).
    """

    def __init__(
        self,
        on_event: EventHandler | None = None,
        *,
        poll_s: float = 0.25,
        retry_s: float = 0.25,
        reader_filter: Callable[[str], bool] | None = None,
    ) -> None:
        self._on_event = on_event
        self._poll_ms = int(poll_s * 1000)
        self._retry_s = retry_s
        self._reader_filter = reader_filter or (lambda _name: True)
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._snapshot = ReaderSnapshot()
        self._thread: threading.Thread | None = None
        self._context: Any = None
        self._scard_module: Any = None
        self._states: dict[str, int] = {}  # reader → its last PC/SC event state

    # -- life cycle

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        context, scard = self._context, self._scard_module
        if context is not None and scard is not None:
            # Wakes a SCardGetStatusChange that is waiting, so stop() does not wait a poll out.
            scard.SCardCancel(context)
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- what callers read

    def snapshot(self) -> ReaderSnapshot:
        with self._changed:
            return self._snapshot

    def wait_for(
        self, condition: Callable[[ReaderSnapshot], bool], timeout_s: float
    ) -> ReaderSnapshot | None:
        """Wait until condition(snapshot) holds; the snapshot, or None at the deadline."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not condition(self._snapshot):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)
            return self._snapshot

    # -- the thread

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except TransportError as error:
                self._lose_service(type(error).__name__)
            except Exception:  # the thread must never die: log, drop the context, go again
                log.exception("card supervisor round failed")
                self._lose_service("unexpected")

    def _round(self) -> None:
        scard = self._scard_module = self._scard_module or _scard()
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                raise _error_for(scard, hresult, "establish context")
            self._context = context
        hresult, readers = scard.SCardListReaders(self._context, [])
        if hresult in (scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_READER_UNAVAILABLE):
            readers = []
        elif hresult != scard.SCARD_S_SUCCESS:
            raise _error_for(scard, hresult, "list readers")
        readers = [reader for reader in readers if self._reader_filter(reader)]
        # Hand back what PC/SC told us last time (event counter included): the call then
        # returns as soon as anything differs, and at once for a reader we have not seen.
        states = [
            (reader, self._states.get(reader, scard.SCARD_STATE_UNAWARE)) for reader in readers
        ]
        # The PnP pseudo reader makes the call return as soon as a reader is added or removed.
        states.append((_PNP_READER, len(readers) << 16))
        hresult, changed = scard.SCardGetStatusChange(self._context, self._poll_ms, states)
        if self._stop.is_set():
            return
        if hresult == scard.SCARD_E_UNKNOWN_READER:
            self._states.clear()  # a reader vanished between the list and the wait
            return
        if hresult == scard.SCARD_S_SUCCESS:
            for reader, event_state, *_ in changed:
                if reader != _PNP_READER:
                    self._states[reader] = event_state & ~scard.SCARD_STATE_CHANGED
        elif hresult not in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
            raise _error_for(scard, hresult, "get status change")
        self._states = {
            reader: self._states[reader] for reader in readers if reader in self._states
        }
        cards = frozenset(
            reader
            for reader, state in self._states.items()
            if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_MUTE
        )
        self._publish(ReaderSnapshot(True, tuple(readers), cards))

    def _lose_service(self, reason: str) -> None:
        context, scard = self._context, self._scard_module
        self._context = None
        self._states.clear()
        if context is not None and scard is not None:
            try:
                scard.SCardReleaseContext(context)
            except Exception:  # a context of a dead pcscd may not even release
                log.debug("releasing a stale PC/SC context failed")
        if self._snapshot.service_up:
            log.warning("PC/SC service lost (%s)", reason)
        self._publish(ReaderSnapshot(False, (), frozenset()))
        self._stop.wait(self._retry_s)  # retry pause; stop() cuts it short

    def _publish(self, new: ReaderSnapshot) -> None:
        with self._changed:
            old, self._snapshot = self._snapshot, new
            self._changed.notify_all()
        for event, reader in _differences(old, new):
            log.info("card supervisor: %s %s", event, reader)
            if self._on_event is not None:
                try:
                    self._on_event(event, reader)
                except Exception:  # a faulty listener must not stop the supervision
                    log.exception("card event handler failed on %s", event)


def _differences(old: ReaderSnapshot, new: ReaderSnapshot) -> Iterable[tuple[CardEvent, str]]:
    if old.service_up and not new.service_up:
        yield CardEvent.SERVICE_LOST, ""
    if new.service_up and not old.service_up:
        yield CardEvent.SERVICE_RESTORED, ""
    for reader in old.readers:
        if reader in old.cards and reader not in new.cards:
            yield CardEvent.CARD_REMOVED, reader
        if reader not in new.readers:
            yield CardEvent.READER_REMOVED, reader
    for reader in new.readers:
        if reader not in old.readers:
            yield CardEvent.READER_ADDED, reader
        if reader in new.cards and reader not in old.cards:
            yield CardEvent.CARD_INSERTED, reader
