"""The window's My Number Card page: started for a procedure (or a visit), rendered from the
card service's events, ended by the card's items, the resident's choice, or leaving.
A mixin of KioskWindow (screens.window)."""

from __future__ import annotations

from kiosk.events import Event


class CardFlow:
    # -- the My Number Card -----------------------------------------------------------------

    def open_card(self, procedure_id: str) -> None:
        self._card_procedure_id = procedure_id
        self._card_page = {
            "step": "waiting_for_card",
            "message_key": "card_place",
            "offer_alternatives": False,
        }
        self._render_card()
        self.stack.setCurrentWidget(self.card)
        self.services.card_reading.start()

    def _render_card(self) -> None:
        reading = self.services.card_reading
        procedure = self.services.catalog.procedure(self._card_procedure_id)
        self.card.show_page(
            self._card_page,
            self.t,
            procedure.title.text(self.language),
            reading.demo_pin,
            reading.simulated.present if reading.simulated is not None else None,
            can_scan=self.services.scanner is not None,
        )

    def _pin_entered(self, pin: str) -> None:
        self.services.card_reading.pin(pin)

    def _demo_place(self) -> None:
        self.services.card_reading.place_demo_card()

    def _demo_take(self) -> None:
        self.services.card_reading.take_demo_card()

    def _on_card_page(self, event: Event) -> None:
        if self.stack.currentWidget() is not self.card or self._card_procedure_id is None:
            return
        self._card_page = event.detail
        if event.detail["step"] == "done":
            card = self.services.card_reading.take_prefill()
            procedure_id, self._card_procedure_id = self._card_procedure_id, None
            if self.visit is not None:
                self.visit.card = dict(card or {})
                self._start_visit_session()
            else:
                self.session = self.services.start_session(procedure_id, card=card)
                self._show_step()
            return
        self._render_card()

    def continue_without_card(self) -> None:
        procedure_id = self._card_procedure_id
        self._leave_card_reading()
        if self.visit is not None:
            self._start_visit_session()
            return
        self.session = self.services.start_session(procedure_id)
        self._show_step()

    def _card_to_scan(self) -> None:
        self._leave_card_reading()
        self.open_scan()

    def leave_card(self) -> None:
        procedure = self.services.catalog.procedure(self._card_procedure_id)
        self._leave_card_reading()
        if self.visit is not None:  # back to today's list
            self.visit = None
            self._show_navi()
            return
        self.open_category(procedure.category)

    def _leave_card_reading(self) -> None:
        if self.services.card_reading is not None:
            self.services.card_reading.cancel()
        self._card_procedure_id = None
        self._card_page = None
        self.card.clear()
