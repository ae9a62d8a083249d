"""What the kiosk's events do to the resident's way through it: card pages, scans, receipts.

Events arrive on the GUI thread through the bridge (kiosk.qtbridge) and the Navigator hands
each one here. One table maps the kind of event to its reaction; a reaction changes the
Navigator's state as a resident action would, and its EventReaction says what the window
should do about it. An event from a reading, scan or resident already gone is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk import phone_entry
from kiosk.card_session import CardStep
from kiosk.events import (
    CardPageChanged,
    Event,
    EventKind,
    ReceiptFailed,
    ReceiptPrinted,
    ScanArrived,
    ScanRefused,
)
from kiosk.views import EventReaction, ScanView, Screen, View

if TYPE_CHECKING:
    from kiosk.navigator import Navigator

# The receipt's print status, as the completion page names it (UI text keys).
PRINTING, PRINTED, PRINT_FAILED = "printing", "printed", "print_failed"


class EventReactions:
    """The Navigator's reaction to each kind of event, keyed by EventKind."""

    def __init__(self, navigator: Navigator) -> None:
        self.navigator = navigator
        self._on_event: dict[EventKind, Callable[[Event], EventReaction]] = {
            EventKind.CARD_PAGE_DID_CHANGE: self._on_card_page,
            EventKind.SCAN_DID_ARRIVE: self._on_scan,
            EventKind.SCAN_WAS_REFUSED: self._on_scan,
            EventKind.RECEIPT_DID_PRINT: self._on_receipt,
            EventKind.RECEIPT_DID_FAIL: self._on_receipt,
            # Staff acknowledged this kiosk's call on the console: whatever the page, the
            # window tells the resident 職員が向かっています (UI text staff_coming).
            EventKind.STAFF_IS_COMING: lambda _event: EventReaction.STAFF_COMING,
        }

    def react(self, event: Event) -> EventReaction:
        """Follow an event; the EventReaction says what the window should do about it."""
        handler = self._on_event.get(event.kind)
        return handler(event) if handler is not None else EventReaction.IGNORED

    def _rendered(self, view: View) -> EventReaction:
        self.navigator.show(view)
        return EventReaction.RENDER

    def _on_card_page(self, event: Event) -> EventReaction:
        assert isinstance(event, CardPageChanged)
        nav = self.navigator
        if nav.view.screen is not Screen.CARD or nav.card_procedure_id is None:
            return EventReaction.IGNORED  # a late page from a reading already left
        nav.card_page = event
        if event.step is not CardStep.DONE:
            return self._rendered(nav.card_view())
        reading = nav.services.card_reading
        card = reading.take_prefill() if reading is not None else None
        procedure_id, nav.card_procedure_id = nav.card_procedure_id, None
        nav.card_page = None
        if nav.visit is not None:
            nav.visit.card = dict(card or {})
            nav.start_visit_session()
        else:
            nav.elsewhere.card = dict(card or {})
            # A phone's answers checked against the card (kiosk.phone_entry): the card first.
            checked = phone_entry.with_card(nav.session, card)
            nav.session = checked or nav.services.start_session(procedure_id, card=card)
            nav.show_first_step()
        return EventReaction.RENDER

    def _on_scan(self, event: Event) -> EventReaction:
        nav = self.navigator
        if nav.view.screen is not Screen.SCAN:
            return EventReaction.IGNORED  # services deliver only while waiting: a late one
        if isinstance(event, ScanRefused):
            return self._rendered(ScanView(event.problem, nav.services.sample_preentry()))
        assert isinstance(event, ScanArrived)
        session = nav.services.take_preentry_session()
        if session is None:
            return EventReaction.IGNORED
        nav.services.expect_scan(False)
        nav.session = session
        nav.show_step()  # review when everything was entered, else the first gap
        return EventReaction.RENDER

    def _on_receipt(self, event: Event) -> EventReaction:
        assert isinstance(event, ReceiptPrinted | ReceiptFailed)
        nav = self.navigator
        if nav.application is None or event.application_id != nav.application.id:
            return EventReaction.IGNORED  # an earlier resident's receipt, or a reprint
        if isinstance(event, ReceiptPrinted):
            nav.print_status = PRINTED
            reaction = EventReaction.RENDER
        else:
            # Plain words for what happened (no paper, cover open …); the number stays.
            nav.print_status = event.problem or PRINT_FAILED
            reaction = EventReaction.PRINT_PROBLEM
        if nav.view.screen is Screen.COMPLETION:
            nav.show(nav.completion_view())
            return reaction
        return EventReaction.IGNORED
