"""The resident's way through the kiosk, Qt-free: which screen comes next, and what is forgotten.

Like Electrum's wizard, a navigation map over a small state: every resident action is a
method that changes the state and returns the view to show now (kiosk.views); the window
only renders that view on its widget and hands answers back. "Back" is one table, from the
current screen to where it leads; events (card pages, scans, receipts) go through one
table of handlers too (kiosk.event_reactions). An address outside the municipality is
kiosk.elsewhere's. Everything personal lives here or in what it holds, so end_session is
the one place that forgets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from core.catalog import Page
from core.flow import ResidentSession, Step, Visit, is_outside
from core.reception import FinalizedApplication
from core.validators import Invalid
from kiosk.card_session import CardStep
from kiosk.config import TextSize, Theme
from kiosk.elsewhere import Elsewhere
from kiosk.event_reactions import PRINTING, EventReactions
from kiosk.events import CardPageChanged, Event
from kiosk.idle import IdleClock, IdlePolicy, IdleState
from kiosk.life_event_guide import LifeEventGuide
from kiosk.phone_entry import resumed, review_again
from kiosk.review_actions import change_from_review, review_view
from kiosk.services import ApplicationNotSaved, CompletionInfo, NotAcceptingApplications, Services
from kiosk.usage import UsageRecorder
from kiosk.views import (
    AddressSource,
    CardView,
    CompletionView,
    ElsewhereView,
    EventReaction,
    HomeView,
    IdleCheck,
    MenuView,
    Message,
    QuestionView,
    ScanView,
    Screen,
    View,
)

# The card page before the reader has said anything: place the card.
FIRST_CARD_PAGE = CardPageChanged(CardStep.WAITING_FOR_CARD, "card_place")
REFUSALS = {NotAcceptingApplications: "not_accepting", ApplicationNotSaved: "save_failed"}


class Navigator:
    def __init__(
        self,
        services: Services,
        theme: Theme = Theme.STANDARD,
        text_size: TextSize = TextSize.STANDARD,
        now: Callable[[], float] = time.monotonic,
        usage: UsageRecorder | None = None,
    ) -> None:
        """usage: where the (never personal) usage events go; by default the kiosk's store."""
        self.services = services
        settings = services.settings
        self.idle = IdleClock(IdlePolicy(settings.idle_quiet_s, settings.idle_warning_s), now)
        # The kiosk's own look; a resident may change it for their visit only.
        self._default_look = (Theme(theme), TextSize(text_size))
        self.language = settings.language
        self.theme, self.text_size = self._default_look
        self.voice_on = False  # read questions aloud, for this resident
        self.session: ResidentSession | None = None
        self.visit: Visit | None = None  # several procedures in one go (手続きナビ)
        self.guide = LifeEventGuide(services.catalog)  # 手続きナビ's questions
        self.application: FinalizedApplication | None = None
        self.completion_info: CompletionInfo | None = None
        self.print_status = PRINTING
        self.not_saved_because: str | None = None  # the store's words for the last refusal
        self.card_procedure_id: str | None = None
        self.card_page: CardPageChanged | None = None
        self.elsewhere = Elsewhere(services)  # an address outside: the card's, what was typed
        self._warned = False
        self._resident_left = False  # memory to give back on the next idle tick at home
        self._back = {
            Screen.HOME: self.go_home,
            Screen.MENU: self._menu_back,
            Screen.QUESTION: self._session_back,
            Screen.REVIEW: self._session_back,
            Screen.COMPLETION: self.after_completion,
            Screen.SCAN: self.go_home,
            Screen.CARD: self._leave_card,
            Screen.LIFE_EVENT: self._navi_back,
            Screen.ELSEWHERE: self._leave_elsewhere,
        }
        self._reactions = EventReactions(self)
        self.usage = usage or UsageRecorder.for_services(services, now)
        self.view: View = self.go_home()

    def show(self, view: View) -> View:
        self.view = view
        self.usage.shown(view, self)  # the one place the figures learn where the resident is
        return view

    # -- home, the resident's choices, and forgetting them ----------------------------------

    def go_home(self) -> View:
        self._forget_session()
        municipality = self.services.catalog.municipality
        voice = self.voice_on if self.services.voice is not None else None
        return self.show(
            HomeView(
                municipality.name,
                municipality.opening_hours,
                self.services.accepting_applications(),
                can_scan=self.services.scanner is not None,
                voice=voice,
            )
        )

    def end_session(self) -> View:
        """The resident is done (finished, started over, or walked away): forget everything
        of theirs, their language, text size and voice included, for the next resident."""
        self.language = self.services.settings.language
        self.theme, self.text_size = self._default_look
        self.voice_on = False
        self._resident_left = True
        return self.go_home()

    start_over = end_session

    def set_language(self, language: str, pending: object = None) -> View:
        """pending: what the question's input shows but was not submitted (kept on screen)."""
        self.language = language
        return self.refresh(pending)

    def next_text_size(self) -> View:
        sizes = list(TextSize)
        self.text_size = sizes[(sizes.index(self.text_size) + 1) % len(sizes)]
        return self.go_home()

    def toggle_contrast(self) -> View:
        high = self.theme is Theme.HIGH_CONTRAST
        self.theme = Theme.STANDARD if high else Theme.HIGH_CONTRAST
        return self.go_home()

    def choose_look(self, theme: Theme, text_size: TextSize) -> None:
        self.theme, self.text_size = Theme(theme), TextSize(text_size)
        self.usage.shown(self.view, self)  # the figures see the look changed mid-session

    def toggle_voice(self) -> View:
        self.voice_on = not self.voice_on
        if self.voice_on:
            self.speak(self.services.text("home_greeting", self.language))
        return self.go_home()

    def speak(self, text: str) -> None:
        if self.voice_on and self.services.voice is not None:
            self.services.voice.say(text, self.language)

    def _forget_session(self) -> None:
        self.services.expect_scan(False)
        if self.visit is not None:
            self.visit.wipe()
        self.visit = None
        self.guide.forget()
        self._leave_card_reading()
        if self.session is not None:
            self.session.wipe()
        self.session = None
        self.application = None
        self.completion_info = None
        self.print_status = PRINTING
        self.elsewhere.forget()

    def refresh(self, pending: object = None) -> View:
        """The current view built again from the state (after a language change)."""
        view = self.view
        if isinstance(view, QuestionView) and self.session is not None:
            return self.show(self._question_view(pending))
        if isinstance(view, CompletionView) and self.application is not None:
            return self.show(self.completion_view())
        return self.show(view)  # no translated text in the others: the same view anew

    # -- menu ---------------------------------------------------------------------------------

    def open_menu(self) -> View:
        """The categories that have at least one procedure offered here, in menu order."""
        offered = self.services.procedures()
        order = list(dict.fromkeys(procedure.category for procedure in offered))
        categories = tuple(self.services.catalog.categories[cid] for cid in order)
        return self.show(MenuView(categories=categories))

    def open_category(self, category_id: str) -> View:
        procedures = tuple(p for p in self.services.procedures() if p.category == category_id)
        category = self.services.catalog.categories[category_id]
        return self.show(MenuView(category=category, procedures=procedures))

    def _menu_back(self) -> View:
        view = self.view
        if isinstance(view, MenuView) and view.category is not None:
            return self.open_menu()
        return self.go_home()

    def go_back(self) -> View:
        """もどる on any screen: where it leads is one table, keyed by the current screen."""
        self.usage.went_back()
        return self._back[self.view.screen]()

    # -- one procedure: questions, review, finalize -----------------------------------------

    def choose_procedure(self, procedure_id: str) -> View:
        procedure = self.services.catalog.procedure(procedure_id)
        if self.services.reads_cards_for(procedure):
            return self.open_card(procedure_id)
        self.session = self.services.start_session(procedure_id)
        return self.show_step()

    def submit_answer(self, value: object) -> View:
        assert self.session is not None
        page = self.session.page
        result = self.session.submit(value)
        if is_outside(result):
            # Not a slip to correct in place: the procedure does not fit the address. A page
            # of its own says why in plain words, and leads on where a procedure fits.
            assert isinstance(result, Invalid)
            return self._show_outside(page, value, dict(result.values))
        if isinstance(result, Invalid):
            error = Message(result.message_key, tuple(dict(result.values).items()))
            # The input keeps what the resident entered, next to the reason it was refused.
            return self.show(replace(self._question_view(value), error=error))
        return self.show_step()

    def _session_back(self) -> View:
        session = self.session
        if session is None:
            return self.open_menu()
        if not session.can_go_back():
            return self.open_category(session.procedure.category)
        session.back()
        return self.show_step()

    def change_answer(self, page_id: str) -> View:
        assert self.session is not None  # a page, or a member added or removed (review_actions)
        change_from_review(self.session, page_id, self.usage)
        return self.show_step()

    def show_step(self) -> View:
        session = self.session
        assert session is not None
        if session.step is Step.REVIEW:
            return self.show(review_view(session))
        self.speak(session.page.question.text(self.language))
        return self.show(self._question_view())

    def _question_view(self, pending: object = None) -> QuestionView:
        session = self.session
        assert session is not None
        page = session.page
        shown = pending if pending not in (None, []) else session.answer_for(page.id)
        return QuestionView(
            session.procedure,
            page,
            shown,
            session.progress,
            address_so_far=session.address_so_far(page.id),
        )

    def submit_application(self) -> View:
        session = self.session
        assert session is not None
        try:
            application = self.services.finalize(session, self.language)
        except (NotAcceptingApplications, ApplicationNotSaved) as refused:
            # The answers stay in the session; the review says why nothing was sent.
            self.not_saved_because = str(refused)  # for `kiosk simulate`, never shown
            error = Message(REFUSALS[type(refused)])
            return self.show(review_view(session, error))
        self.completion_info = self.services.completion_info(session)
        self.application = application
        if self.visit is not None:  # the answers may add to the day's list (児童手当)
            self.visit.finished(session.procedure.id, session.answers())
        self.print_status = PRINTING
        session.wipe()
        self.session = None
        return self.show(self.completion_view())

    def completion_view(self) -> CompletionView:
        assert self.application is not None and self.completion_info is not None
        coming, added = self.visit.coming() if self.visit is not None else (None, False)
        info, status = self.completion_info, self.print_status
        return CompletionView(self.application, info, status, coming is not None, coming, added)

    def after_completion(self) -> View:
        """おわる, or つぎの手続きへ within a visit."""
        if self.visit is not None and self.visit.advance():
            self.application = None
            self.completion_info = None
            return self.start_visit_session()
        return self.end_session()

    # -- 手続きナビ and a visit of several procedures ----------------------------------------

    def open_navi(self) -> View:
        return self.show(self.guide.events())

    def choose_life_event(self, event_id: str) -> View:
        return self.show(self.guide.choose(event_id))

    def answer_navi(self, value: bool) -> View:
        return self.show(self.guide.answer(value))

    def _show_navi(self) -> View:
        return self.show(self.guide.current())

    def _navi_back(self) -> View:
        view = self.guide.back()
        return self.show(view) if view is not None else self.open_menu()

    def start_visit(self) -> View:
        self.visit = self.guide.visit(self.services.ui, self.services.municipal_area())
        if self.visit is None:
            return self.view  # nothing this kiosk can do: the list stays
        procedures = self.visit.procedures
        reading = next((p for p in procedures if self.services.reads_cards_for(p)), None)
        if reading is not None:
            return self.open_card(reading.id)  # once for the whole visit
        return self.start_visit_session()

    def _back_to_list(self) -> View:  # a visit's procedure left before it began: the list again
        assert self.visit is not None
        self.visit.wipe()
        self.visit = None
        return self._show_navi()

    def start_visit_session(self) -> View:
        assert self.visit is not None
        self.session = self.visit.session()
        return self.show_first_step()

    def show_first_step(self) -> View:
        """A session's first page, or first where the card's address leads: an in-city
        procedure (転居) with a card from elsewhere is the wrong one to begin (→ 転入)."""
        assert self.session is not None
        view = self.elsewhere.card_view(self.session)
        return self.show(view) if view is not None else self.show_step()

    # -- the My Number Card -----------------------------------------------------------------

    def open_card(self, procedure_id: str) -> View:
        reading = self.services.card_reading
        assert reading is not None
        self.card_procedure_id = procedure_id
        self.card_page = FIRST_CARD_PAGE
        view = self.show(self.card_view())
        reading.start()
        return view

    def card_view(self) -> CardView:
        reading = self.services.card_reading
        assert reading is not None and self.card_procedure_id is not None
        assert self.card_page is not None
        simulated = reading.simulated
        return CardView(
            self.services.catalog.procedure(self.card_procedure_id),
            self.card_page,
            reading.demo_pin,
            simulated.present if simulated is not None else None,
            can_scan=self.services.scanner is not None,
            reader_position=self.services.catalog.municipality.card_reader_position.value,
        )

    def enter_pin(self, pin: str) -> None:
        """The answer comes back as a card page event; the PIN is not kept here."""
        assert self.services.card_reading is not None
        self.services.card_reading.pin(pin)

    def place_demo_card(self) -> None:
        assert self.services.card_reading is not None
        self.services.card_reading.place_demo_card()

    def take_demo_card(self) -> None:
        assert self.services.card_reading is not None
        self.services.card_reading.take_demo_card()

    def continue_without_card(self) -> View:
        procedure_id = self.card_procedure_id
        assert procedure_id is not None
        self._leave_card_reading()
        if self.visit is not None:
            return self.start_visit_session()
        self.session = resumed(self.session) or self.services.start_session(procedure_id)
        return self.show_step()

    def card_to_scan(self) -> View:
        self._leave_card_reading()
        return self.open_scan()

    def _leave_card(self) -> View:
        assert self.card_procedure_id is not None
        procedure = self.services.catalog.procedure(self.card_procedure_id)
        self._leave_card_reading()
        return (
            self._back_to_list()
            if self.visit is not None
            else review_again(self) or self.open_category(procedure.category)
        )

    def _leave_card_reading(self) -> None:
        if self.services.card_reading is not None:
            self.services.card_reading.cancel()
        self.card_procedure_id = None
        self.card_page = None

    # -- an address outside the municipality -----------------------------------------------

    def _show_outside(self, page: Page, value: object, values: dict) -> View:
        """An answer entered on an in-city page lies outside the municipality (a Sapporo
        転居 given a Tokyo postal code): why, and the procedure that fits (転出), if any."""
        session = self.session
        assert session is not None
        return self.show(self.elsewhere.typed_view(session, page, value, values))

    def go_elsewhere(self) -> View:
        """The procedure that fits the address, with the card already read and who the
        resident said they are (name, kana, phone), asked again nowhere."""
        view = self.view
        assert isinstance(view, ElsewhereView) and view.other is not None
        if self.visit is not None:  # in the day's list, in this one's place
            self.session = self.elsewhere.visit_session(view, self.session, self.visit)
        else:
            self.session = self.elsewhere.other_session(view, self.session)
        return self.show_step()

    def _leave_elsewhere(self) -> View:
        view = self.view
        assert isinstance(view, ElsewhereView)
        if view.source is AddressSource.TYPED and self.session is not None:
            # Back to the page, what was entered still there, to correct a slip.
            return self.show(self._question_view(self.elsewhere.take_typed()))
        self.elsewhere.card = None
        if self.session is not None:
            self.session.wipe()
        self.session = None
        if self.visit is not None:
            return self._back_to_list()
        return self.open_category(view.procedure.category)

    # -- phone pre-entry (QR code) ----------------------------------------------------------

    def open_scan(self) -> View:
        self.services.expect_scan(True)
        return self.show(ScanView(sample=self.services.sample_preentry()))

    def scan_sample(self) -> None:
        """The demo: the sample code is read as if held to the scanner; what it starts
        comes back as a scan event, as from a real one."""
        self.services.scan_sample_preentry()

    # -- events (delivered on the GUI thread by the bridge) ---------------------------------

    def on_event(self, event: Event) -> EventReaction:
        """Follow an event; the EventReaction says what the window should do about it."""
        self.usage.saw(event)
        return self._reactions.react(event)

    # -- idle: warn, then forget ------------------------------------------------------------

    def touched(self) -> None:
        self.idle.touch()

    def extend_time(self) -> None:
        self.idle.extend()
        self._warned = False

    def check_idle(self) -> IdleCheck:
        if self.view.screen is Screen.HOME:
            self.idle.touch()  # nothing to protect on the home screen
            self._warned = False
            if self._resident_left:
                # One idle tick after the session ended: its screens have been let go of by
                # now, and no tap waits for this.
                self._resident_left = False
                self.services.resident_left()
            return IdleCheck()
        state = self.idle.state
        if state is IdleState.ACTIVE:
            self._warned = False
            return IdleCheck()
        if state is IdleState.WARNING:
            if not self._warned:  # once, when the warning appears
                self._warned = True
                self.speak(self.services.text("idle_question", self.language))
            return IdleCheck(warning_seconds=self.idle.seconds_left())
        self._warned = False
        self.usage.timed_out()
        self.end_session()  # wipes the session; the window then clears its widgets
        self.idle.restart()
        return IdleCheck(expired=True)
