"""Reading the My Number Card for a resident: the CardSession on its own worker thread,
reader events in, page changes out as events (step and message keys only, never personal data).

The screen calls start(), pin(), cancel() and, when the page says DONE, take_prefill(). Every
call returns at once; the card is spoken to on the worker thread, each exchange within its
deadline, so the GUI never waits on a card.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core.catalog import CardField
from devices.card_transport import CardAbsent, CardEvent, CardSupervisor, PcscTransport
from kiosk.card_session import CardPage, CardSession, CardStep, ConnectedCard
from kiosk.events import CardPageChanged, EventBus

log = logging.getLogger(__name__)


class CardReading:
    def __init__(self, spec: str, events: EventBus) -> None:
        """spec: "sim" (the demo card), "pcsc" (the first PC/SC reader) or "pcsc:READER"."""
        self.spec = spec
        self.events = events
        self.simulated = None
        self.demo_pin = None
        if spec == "sim":
            # Imported only for the demo: the card emulator is not start-up work for a kiosk.
            from devices.sim_card_reader import DEMO_PIN, SimulatedCardReader

            self.simulated = SimulatedCardReader()
            self.demo_pin = DEMO_PIN
        self._reader_name = spec.partition(":")[2] or None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="card")
        self._lock = threading.Lock()
        self._session: CardSession | None = None
        self._supervisor: CardSupervisor | None = None
        if self.simulated is None:
            self._supervisor = CardSupervisor(self._on_reader_event, reader_filter=self._wanted)
            self._supervisor.start()

    def _wanted(self, reader: str) -> bool:
        return self._reader_name is None or reader == self._reader_name

    # -- what the screen calls -----------------------------------------------------------

    def start(self) -> None:
        """A new resident's reading: nothing of an earlier one is kept."""
        self._worker.submit(self._start)

    def pin(self, pin: str) -> None:
        self._worker.submit(self._run, lambda session: session.submit_pin(pin))

    def cancel(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            self._worker.submit(session.cancel)

    def take_prefill(self) -> dict[CardField, Any] | None:
        """The card's items for ResidentSession(card=…), once, after the card was taken."""
        with self._lock:
            session = self._session
            if session is None or session.prefill is None or session.step is not CardStep.DONE:
                return None  # not yet: the reading goes on
            self._session = None
        return session.prefill.card_answers()

    def place_demo_card(self) -> None:
        if self.simulated is not None:
            self.simulated.place()
            self._run_later(lambda session: session.card_inserted())

    def use_demo_card_from_elsewhere(self, elsewhere: bool = True) -> None:
        """The demo card of a resident registered outside the municipality (elsewhere), or
        the usual one: where an address outside the city leads is shown and tested with it."""
        if self.simulated is not None:
            from devices.sim_card_reader import DEMO_IDENTITY, ELSEWHERE_IDENTITY

            self.simulated.use(ELSEWHERE_IDENTITY if elsewhere else DEMO_IDENTITY)

    def take_demo_card(self) -> None:
        if self.simulated is not None:
            self.simulated.take()
            self._run_later(lambda session: session.card_removed())

    def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
        self._worker.shutdown(wait=False, cancel_futures=True)

    # -- on the worker thread ------------------------------------------------------------

    def _transport(self):
        if self.simulated is not None:
            return self.simulated
        return _ReaderHoldingTheCard(self._supervisor, self._reader_name)

    def _reader_present(self) -> bool:
        if self.simulated is not None:
            return True
        snapshot = self._supervisor.snapshot()
        return snapshot.service_up and any(self._wanted(r) for r in snapshot.readers)

    def _start(self) -> None:
        session = CardSession(
            ConnectedCard(self._transport()), reader_present=self._reader_present()
        )
        with self._lock:
            self._session = session
        self._publish(session.page)
        card_there = (
            self.simulated.present
            if self.simulated is not None
            else self._supervisor.snapshot().card_reader() is not None
        )
        if card_there:
            self._publish(session.card_inserted())

    def _run(self, action) -> None:
        with self._lock:
            session = self._session
        if session is not None:
            self._publish(action(session))

    def _run_later(self, action) -> None:
        self._worker.submit(self._run, action)

    def _on_reader_event(self, event: CardEvent, reader: str) -> None:
        """From the supervisor thread: only while a resident is on the card screen."""
        if event is CardEvent.CARD_INSERTED:
            self._run_later(lambda session: session.card_inserted())
        elif event is CardEvent.CARD_REMOVED:
            self._run_later(lambda session: session.card_removed())
        elif event in (CardEvent.READER_ADDED, CardEvent.SERVICE_RESTORED):
            self._run_later(lambda session: session.reader_changed(True))
        elif event in (CardEvent.READER_REMOVED, CardEvent.SERVICE_LOST):
            self._run_later(lambda session: session.reader_changed(self._reader_present()))

    def _publish(self, page: CardPage) -> None:
        self.events.publish(CardPageChanged.from_page(page))


class _ReaderHoldingTheCard:
    """A PC/SC transport that picks its reader when it connects: the reader the card is in
    may have been plugged in after the resident opened the card screen."""

    def __init__(self, supervisor: CardSupervisor, reader_name: str | None) -> None:
        self._supervisor = supervisor
        self._reader_name = reader_name
        self._transport: PcscTransport | None = None

    def connect(self, timeout_s: float) -> bytes:
        snapshot = self._supervisor.snapshot()
        name = self._reader_name or snapshot.card_reader()
        if name is None:
            name = snapshot.readers[0] if snapshot.readers else ""
        self._transport = PcscTransport(name)
        return self._transport.connect(timeout_s)

    def disconnect(self) -> None:
        if self._transport is not None:
            self._transport.disconnect()

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        if self._transport is None:
            raise CardAbsent("not connected")
        return self._transport.transmit(apdu, timeout_s)
