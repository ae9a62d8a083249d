"""An address outside the municipality: the page that says so, and the procedure that fits.

An in-city procedure (転居) given an address elsewhere, read from the card or typed on a page,
is not a slip to correct in place. The ElsewhereView says why in plain words and leads to the
procedure that fits (転入, 転出) where this kiosk offers one. The Navigator delegates here and
decides which screen follows; this keeps what those screens need: the card's items and what
the resident typed.
"""

from __future__ import annotations

from core.catalog import FieldType, Page, Procedure
from core.flow import ResidentSession, Visit
from kiosk.services import Services
from kiosk.views import AddressSource, ElsewhereView


class Elsewhere:
    """What leads from an address outside the municipality to the procedure that fits."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # The card's items while the session they started lives: an address outside the
        # municipality may lead to another procedure, which takes them without a new reading.
        self.card: dict | None = None
        # What the resident entered on an in-city page that was outside it (ElsewhereView):
        # shown again when they go back to correct it.
        self.typed: object = None

    def forget(self) -> None:
        self.card = None
        self.typed = None

    def take_typed(self) -> object:
        """What was typed, to show on the page again; forgotten here."""
        typed, self.typed = self.typed, None
        return typed

    def offered(self, procedure_id: str | None) -> Procedure | None:
        offered = {procedure.id: procedure for procedure in self.services.procedures()}
        return offered.get(procedure_id) if procedure_id else None

    def card_view(self, session: ResidentSession) -> ElsewhereView | None:
        """The card's address lies outside the municipality on an in-city page (転居): the
        procedure that fits instead (転入). None when there is nothing to say."""
        outside = session.outside
        if outside is None:
            return None
        page, address = outside
        other = self.offered(page.outside)
        if other is None:
            return None  # nothing else fits here: the page is asked, in the city
        city = "・".join(session.area.city_names())
        return ElsewhereView(session.procedure, other, address, city, page)

    def typed_view(
        self, session: ResidentSession, page: Page, value: object, values: dict
    ) -> ElsewhereView:
        """An answer entered on an in-city page lies outside the municipality (a Sapporo
        転居 given a Tokyo postal code): why, and the procedure that fits (転出), if any."""
        self.typed = value
        if page.type is FieldType.POSTAL_CODE:
            address = f"〒{values.get('code', '')} {values.get('where', '')}".rstrip()
        else:
            address = str(value)
        city = str(values.get("city", ""))
        other = self.offered(page.outside)
        source = AddressSource.TYPED
        return ElsewhereView(session.procedure, other, address, city, page, source)

    def other_session(
        self, view: ElsewhereView, session: ResidentSession | None
    ) -> ResidentSession:
        """The procedure that fits the address, with the card already read and who the
        resident said they are (name, kana, phone), asked again nowhere; `session` is wiped."""
        assert view.other is not None
        carried = session.carried_answers() if session is not None else {}
        if session is not None:
            session.wipe()
        self.typed = None
        return self.services.start_session(view.other.id, card=self.card, shared=carried)

    def visit_session(
        self, view: ElsewhereView, session: ResidentSession | None, visit: Visit
    ) -> ResidentSession:
        """Within a visit (手続きナビ): the procedure that fits takes this one's place in the
        day's list, and its session knows the card and every answer shared so far, as the
        list's other procedures do; `session` is wiped."""
        assert view.other is not None
        if session is not None:
            session.wipe()
        self.typed = None
        visit.replace_current(view.other)
        return visit.session()
