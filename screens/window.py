"""The kiosk window: a stack of screens and the thin glue that follows the resident session.

Which page comes next and what is valid are decided by kiosk.flow; this class only shows the
screen for the session's current step and passes answers back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedLayout, QWidget

from kiosk.config import TextSize, Theme
from kiosk.events import Event, EventKind
from kiosk.flow import ResidentSession, Step, Visit
from kiosk.idle import IdleClock, IdlePolicy, IdleState
from kiosk.life_events import LifeEventSession
from kiosk.qtbridge import QtEventBridge
from kiosk.services import (
    ApplicationNotSaved,
    CompletionInfo,
    NotAcceptingApplications,
    Services,
)
from kiosk.store import FinalizedApplication
from kiosk.technician import CornerTaps, verify_pin
from kiosk.validators import Invalid
from screens.card import CardScreen
from screens.completion import CompletionScreen
from screens.device_problem import DeviceProblemOverlay
from screens.home import HomeScreen
from screens.idle_warning import IdleWarningOverlay
from screens.language_choice import LanguageOverlay
from screens.life_event import LifeEventScreen
from screens.menu import MenuScreen
from screens.question import QuestionScreen
from screens.review import ReviewScreen
from screens.scan import ScanScreen
from screens.staff_call import StaffCallOverlay
from screens.technician import TechnicianOverlay
from screens.theme import Look
from screens.widgets import PageFrame

IDLE_CHECK_MS = 500
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}
_KEYS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}


class ActivityWatcher(QObject):
    """Any press anywhere in the application counts as the resident still being there.

    On a locked kiosk it also swallows every key: the kiosk is touch-only, and a keyboard
    plugged in must not reach a shortcut that leaves the kiosk.
    """

    def __init__(
        self,
        on_activity: Callable[[], None],
        on_press: Callable[[QPointF], None],
        locked: bool,
    ) -> None:
        super().__init__()
        self._on_activity = on_activity
        self._on_press = on_press
        self._locked = locked
        self._last_press = -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not hasattr(self, "_locked"):
            return False  # a wrapper of a filter whose window is gone: never act on it
        kind = event.type()
        if kind in _ACTIVITY:
            self._on_activity()
        # One press can reach several widgets (it propagates to parents): count it once.
        if kind == QEvent.Type.MouseButtonPress and event.timestamp() != self._last_press:
            self._last_press = event.timestamp()
            self._on_press(event.globalPosition())
        return self._locked and kind in _KEYS


class KioskWindow(QWidget):
    def __init__(
        self,
        services: Services,
        bridge: QtEventBridge,
        look: Look,
        now: Callable[[], float] = time.monotonic,
        locked: bool = False,
    ) -> None:
        super().__init__()
        # Locked (kiosk run): no frame, on top, no keys, and only technician mode can leave.
        self.locked = locked
        self._may_close = not locked
        if locked:
            self.setWindowFlags(
                Qt.WindowType.Window
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
        self.setObjectName("kiosk_root")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.services = services
        self.bridge = bridge
        self.language = services.settings.language
        self.session: ResidentSession | None = None
        self.application: FinalizedApplication | None = None
        self._completion_info: CompletionInfo | None = None
        self._print_status = "printing"  # UI text key of the receipt's state
        self.setStyleSheet(look.stylesheet())
        self.look = self._default_look = look  # a resident may change it for their visit
        self.voice_on = False  # read questions aloud, for this resident (home screen option)
        self.setWindowTitle("Madoguchi 窓口")

        self.home = HomeScreen(services.languages)
        self.menu = MenuScreen()
        self.question = QuestionScreen()
        self.question.postal_candidates = services.address_candidates
        self.review = ReviewScreen()
        self.completion = CompletionScreen()
        self.scan = ScanScreen()
        self.card = CardScreen()
        self.life = LifeEventScreen()
        self.visit: Visit | None = None  # several procedures in one go (手続きナビ)
        self.navi: LifeEventSession | None = None
        self._card_procedure_id: str | None = None
        self._card_page: dict | None = None  # the last card page shown (for retranslation)
        self.stack = QStackedLayout(self)
        for screen in self.screens():
            self.stack.addWidget(screen)
            screen.staff_requested.connect(self.call_staff)
            screen.start_over_requested.connect(self.start_over)
            screen.set_practice(
                services.text("practice_banner", self.language) if services.practice else None
            )
        self.staff_overlay = StaffCallOverlay(self)
        self.device_problem = DeviceProblemOverlay(self)
        self.device_problem.staff_requested.connect(self._problem_call_staff)
        self.language_overlay = LanguageOverlay(self, services.all_languages)
        self.language_overlay.language_chosen.connect(self.set_language)
        for screen in self.screens():
            screen.language_requested.connect(self.language_overlay.open)
        self.idle_warning = IdleWarningOverlay(self)
        settings = services.settings
        self.idle = IdleClock(IdlePolicy(settings.idle_quiet_s, settings.idle_warning_s), now)
        self.idle_warning.still_here.connect(self.extend_time)
        self.technician = TechnicianOverlay(self)
        self._corner = CornerTaps(now)
        self.technician.pin_entered.connect(self._technician_pin)
        self.technician.practice_toggled.connect(self._toggle_practice)
        self.technician.reprint_requested.connect(self._reprint)
        self.technician.sync_requested.connect(self._sync_now)
        self.technician.quit_requested.connect(self.leave_kiosk)
        self._activity = ActivityWatcher(self.idle.touch, self._pressed_at, locked)
        self._idle_timer = QTimer(self)
        self._idle_timer.timeout.connect(self.check_idle)
        self._idle_timer.start(IDLE_CHECK_MS)

        self.home.primary_requested.connect(self.open_menu)
        self.home.language_chosen.connect(self.set_language)
        self.menu.back_requested.connect(self.menu_back)
        self.menu.category_chosen.connect(self.open_category)
        self.menu.procedure_chosen.connect(self.choose_procedure)
        self.question.primary_requested.connect(self.submit_answer)
        self.question.back_requested.connect(self.go_back)
        self.review.back_requested.connect(self.go_back)
        self.review.change_requested.connect(self.change_answer)
        self.review.primary_requested.connect(self.submit_application)
        self.completion.primary_requested.connect(self.after_completion)
        self.menu.navi_requested.connect(self.open_navi)
        self.life.event_chosen.connect(self.choose_life_event)
        self.life.answered.connect(self.answer_navi)
        self.life.back_requested.connect(self.navi_back)
        self.life.primary_requested.connect(self.start_visit)
        self.home.text_size_requested.connect(self.next_text_size)
        self.home.contrast_requested.connect(self.toggle_contrast)
        self.home.voice_requested.connect(self.toggle_voice)
        self.home.scan_requested.connect(self.open_scan)
        self.scan.back_requested.connect(self.go_home)
        self.card.back_requested.connect(self.leave_card)
        self.card.manual_requested.connect(self.continue_without_card)
        self.card.qr_requested.connect(self._card_to_scan)
        self.card.pin_entered.connect(self._pin_entered)
        self.card.demo_place_requested.connect(self._demo_place)
        self.card.demo_take_requested.connect(self._demo_take)
        bridge.event_arrived.connect(self.on_event)
        self.go_home()
        # Last: a window whose construction failed must leave no application-wide filter.
        QApplication.instance().installEventFilter(self._activity)

    def screens(self) -> list[PageFrame]:
        return [
            self.home,
            self.menu,
            self.question,
            self.review,
            self.completion,
            self.scan,
            self.card,
            self.life,
        ]

    def t(self, key: str, **values: object) -> str:
        return self.services.text(key, self.language, **values)

    # -- navigation -----------------------------------------------------------------------

    def go_home(self) -> None:
        self._forget_session()
        municipality = self.services.catalog.municipality
        self.home.retranslate(
            self.t,
            municipality.name.text(self.language),
            municipality.opening_hours.text(self.language),
            self.language,
            self.services.accepting_applications(),
            can_scan=self.services.scanner is not None,
            look=self.look,
            voice=self.voice_on if self.services.voice is not None else None,
        )
        self.stack.setCurrentWidget(self.home)

    def set_language(self, language: str) -> None:
        self.language = language
        for screen in self.screens():
            screen.set_practice(self.t("practice_banner") if self.services.practice else None)
        self._show_current()

    def open_menu(self) -> None:
        """The categories that have at least one procedure offered here, in menu order."""
        offered = self.services.procedures()
        order = list(dict.fromkeys(procedure.category for procedure in offered))
        categories = [self.services.catalog.categories[cid] for cid in order]
        self.menu.show_categories(categories, self.language, self.t, self.look.palette.button_text)
        self.stack.setCurrentWidget(self.menu)

    def open_category(self, category_id: str) -> None:
        procedures = [p for p in self.services.procedures() if p.category == category_id]
        self.menu.show_procedures(
            self.services.catalog.categories[category_id], procedures, self.language, self.t
        )
        self.stack.setCurrentWidget(self.menu)

    def open_scan(self) -> None:
        self.services.expect_scan(True)
        self.scan.show_waiting(self.t)
        self.stack.setCurrentWidget(self.scan)

    def menu_back(self) -> None:
        if self.menu.category is None:
            self.go_home()
        else:
            self.open_menu()

    # -- 手続きナビ and a visit of several procedures ----------------------------------------

    def open_navi(self) -> None:
        self.navi = None
        events = list(self.services.catalog.life_events.values())
        self.life.show_events(events, self.language, self.t)
        self.stack.setCurrentWidget(self.life)

    def choose_life_event(self, event_id: str) -> None:
        event = self.services.catalog.life_events[event_id]
        self.navi = LifeEventSession(event, self.services.catalog)
        self._show_navi()

    def answer_navi(self, value: bool) -> None:
        question = self.navi.next_question()
        if question is not None:
            self.navi.answer(question.id, value)
        self._show_navi()

    def _show_navi(self) -> None:
        question = self.navi.next_question()
        if question is not None:
            self.life.show_question(self.navi.event, question, self.language, self.t)
        else:
            self.life.show_plan(self.navi.event, self.navi.plan(), self.language, self.t)
        self.stack.setCurrentWidget(self.life)

    def navi_back(self) -> None:
        if self.navi is None:
            self.open_menu()
        elif self.navi.answers:  # one question back: forget the last answer
            self.navi.answers.popitem()
            self._show_navi()
        else:
            self.open_navi()

    def start_visit(self) -> None:
        procedures = [step.procedure for step in self.navi.plan() if step.procedure is not None]
        if not procedures:
            return
        self.visit = Visit(procedures, self.services.ui)
        reading = next((p for p in procedures if self.services.reads_cards_for(p)), None)
        if reading is not None:
            self.open_card(reading.id)  # once for the whole visit
        else:
            self._start_visit_session()

    def _start_visit_session(self) -> None:
        self.session = self.visit.session()
        self._show_step()

    def after_completion(self) -> None:
        if self.visit is not None and self.visit.advance():
            self.application = None
            self.completion.clear()
            self._start_visit_session()
        else:
            self.end_session()

    def choose_procedure(self, procedure_id: str) -> None:
        procedure = self.services.catalog.procedure(procedure_id)
        if self.services.reads_cards_for(procedure):
            self.open_card(procedure_id)
            return
        self.session = self.services.start_session(procedure_id)
        self._show_step()

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

    def submit_answer(self) -> None:
        assert self.session is not None
        result = self.session.submit(self.question.value())
        if isinstance(result, Invalid):
            self.question.show_error(self.t(result.message_key, **dict(result.values)))
            return
        self._show_step()

    def go_back(self) -> None:
        if self.session is None or not self.session.can_go_back():
            if self.session is not None:
                self.open_category(self.session.procedure.category)
            else:
                self.open_menu()
            return
        self.session.back()
        self._show_step()

    def change_answer(self, page_id: str) -> None:
        assert self.session is not None
        self.session.change(page_id)
        self._show_step()

    def start_over(self) -> None:
        self.end_session()

    def end_session(self) -> None:
        """The resident is done (finished, started over, or walked away): forget everything
        of theirs, their language and text size included, for the next resident."""
        self.language = self.services.settings.language
        self.voice_on = False
        if self.look != self._default_look:
            self.set_look(self._default_look)
        for screen in self.screens():
            screen.set_practice(self.t("practice_banner") if self.services.practice else None)
        self.go_home()

    # -- text size and contrast, chosen on the home screen -----------------------------------

    def set_look(self, look: Look) -> None:
        self.look = look
        self.setStyleSheet(look.stylesheet())

    def next_text_size(self) -> None:
        sizes = list(TextSize)
        following = sizes[(sizes.index(self.look.text_size) + 1) % len(sizes)]
        self.set_look(Look(self.look.theme, following))
        self.go_home()

    def toggle_voice(self) -> None:
        self.voice_on = not self.voice_on
        if self.voice_on:
            self.speak(self.t("home_greeting"))
        self.go_home()

    def speak(self, text: str) -> None:
        if self.voice_on and self.services.voice is not None:
            self.services.voice.say(text, self.language)

    def toggle_contrast(self) -> None:
        theme = Theme.STANDARD if self.look.theme is Theme.HIGH_CONTRAST else Theme.HIGH_CONTRAST
        self.set_look(Look(theme, self.look.text_size))
        self.go_home()

    def submit_application(self) -> None:
        assert self.session is not None
        try:
            application = self.services.finalize(self.session)
        except NotAcceptingApplications:
            self.review.show_error(self.t("not_accepting"))
            return
        except ApplicationNotSaved:
            self.review.show_error(self.t("save_failed"))  # the answers stay in the session
            return
        self._completion_info = self.services.completion_info(self.session)
        self.application = application
        self._print_status = "printing"
        self.completion.show_application(application, self._completion_info, self.language, self.t)
        self._label_completion_action()
        self.session.wipe()
        self.session = None
        self.question.clear()
        self.review.clear_rows()
        self.stack.setCurrentWidget(self.completion)

    def _label_completion_action(self) -> None:
        more = self.visit is not None and self.visit.index + 1 < len(self.visit.procedures)
        self.completion.primary_button.setText(self.t("visit_next" if more else "finish"))

    def _problem_call_staff(self) -> None:
        self.device_problem.hide()
        self.call_staff()

    def call_staff(self) -> None:
        current = self.stack.currentWidget()
        self.services.call_staff(current.objectName() if current else "unknown")
        self.staff_overlay.open(self.t)

    # -- rendering ------------------------------------------------------------------------

    def _show_current(self) -> None:
        current = self.stack.currentWidget()
        if current is self.home:
            self.go_home()
        elif current is self.menu:
            if self.menu.category is None:
                self.open_menu()
            else:
                self.open_category(self.menu.category)
        elif current is self.scan:
            self.scan.show_waiting(self.t)
        elif current is self.card and self._card_page is not None:
            self._render_card()
        elif current is self.life:
            if self.navi is None:
                self.open_navi()
            else:
                self._show_navi()
        elif current is self.completion and self.application is not None:
            self.completion.show_application(
                self.application, self._completion_info, self.language, self.t
            )
            self.completion.show_print_status(self.t(self._print_status))
            self._label_completion_action()
        else:
            # Keep what is on screen but not yet submitted (a stepper moved, an option tapped).
            self._show_step(pending=self.question.value() if current is self.question else None)

    def _show_step(self, pending: object = None) -> None:
        session = self.session
        assert session is not None
        if session.step is Step.REVIEW:
            self.review.show_session(session, self.language, self.services.ui, self.t)
            self.stack.setCurrentWidget(self.review)
            return
        page = session.page
        shown = pending if pending not in (None, []) else session.answer_for(page.id)
        self.speak(page.question.text(self.language))
        self.question.show_page(
            page,
            shown,
            session.progress,
            session.procedure.title.text(self.language),
            self.language,
            self.t,
        )
        self.stack.setCurrentWidget(self.question)

    def _forget_session(self) -> None:
        self.services.expect_scan(False)
        if self.visit is not None:
            self.visit.wipe()
        self.visit = None
        self.navi = None
        self._leave_card_reading()
        if self.session is not None:
            self.session.wipe()
        self.session = None
        self.application = None
        self._completion_info = None
        self.question.clear()
        self.review.clear_rows()
        self.completion.clear()
        self.staff_overlay.hide()
        self.device_problem.hide()
        self.idle_warning.hide()
        self.language_overlay.hide()

    # -- idle: warn, then forget ----------------------------------------------------------

    def check_idle(self) -> None:
        if self.stack.currentWidget() is self.home:
            self.idle.touch()  # nothing to protect on the home screen
            self.idle_warning.hide()
            return
        state = self.idle.state
        if state is IdleState.ACTIVE:
            self.idle_warning.hide()
        elif state is IdleState.WARNING:
            if not self.idle_warning.isVisible():
                self.speak(self.t("idle_question"))  # once, when the warning appears
            self.idle_warning.show_countdown(self.idle.seconds_left(), self.t)
        else:
            self.idle_warning.hide()
            self.end_session()  # wipes the session and every widget that showed an answer
            self.idle.restart()

    def extend_time(self) -> None:
        self.idle.extend()
        self.idle_warning.hide()

    # -- events from devices and services (delivered on the GUI thread by the bridge) ------

    def on_event(self, event: Event) -> None:
        if event.kind in (EventKind.SCAN_DID_ARRIVE, EventKind.SCAN_WAS_REFUSED):
            self._on_scan(event)
            return
        if event.kind is EventKind.CARD_PAGE_DID_CHANGE:
            self._on_card_page(event)
            return
        if self.application is None or event.detail.get("application_id") != self.application.id:
            return
        if event.kind is EventKind.RECEIPT_DID_PRINT:
            self._print_status = "printed"
        elif event.kind is EventKind.RECEIPT_DID_FAIL:
            # Plain words for what happened (no paper, cover open …); the number stays on screen.
            self._print_status = event.detail.get("problem") or "print_failed"
            number = str(self.application.reception_number)
            self.device_problem.open(self.t(self._print_status), self.t, number)
        else:
            return
        self.completion.show_print_status(self.t(self._print_status))

    def _on_scan(self, event: Event) -> None:
        if self.stack.currentWidget() is not self.scan:
            return  # services only deliver while the scan screen waits; this is a late one
        if event.kind is EventKind.SCAN_WAS_REFUSED:
            self.scan.show_problem(self.t(event.detail.get("problem", "scan_not_preentry")))
            return
        session = self.services.take_preentry_session()
        if session is not None:
            self.services.expect_scan(False)
            self.session = session
            self._show_step()  # review when everything was entered, else the first gap

    # -- technician mode --------------------------------------------------------------------

    def _pressed_at(self, global_position) -> None:
        local = self.mapFromGlobal(global_position.toPoint())
        if self._corner.tap(local.x(), local.y()):
            self.technician.open_pin()

    def _technician_pin(self, pin: str) -> None:
        stored = self.services.settings.technician_pin_hash
        if not stored or not verify_pin(pin, stored):
            self.technician.show_problem("暗証番号が違います / Wrong PIN")
            return
        self._show_technician_menu()

    def _show_technician_menu(self) -> None:
        statuses = self.services.device_statuses()
        devices = "  ".join(
            f"{role}: {status.state.value}"
            + (f" ({', '.join(sorted(status.conditions))})" if status.conditions else "")
            for role, status in statuses.items()
        )
        self.technician.show_menu(self.services.practice, devices)

    def _toggle_practice(self) -> None:
        self.services.set_practice(not self.services.practice)
        for screen in self.screens():
            screen.set_practice(self.t("practice_banner") if self.services.practice else None)
        self._show_technician_menu()

    def _reprint(self) -> None:
        if self.services.reprint() is None:
            self.technician.show_problem("再印刷できる受付票がありません / No receipt to reprint")

    def _sync_now(self) -> None:
        self.services.sync_now()

    def leave_kiosk(self) -> None:
        self._may_close = True
        self.close()
        QApplication.quit()

    def closeEvent(self, event) -> None:
        if not self._may_close:
            event.ignore()  # Alt+F4 and the like: a locked kiosk stays
            return
        # The application-wide filter goes with the window: it must never call a closed one.
        QApplication.instance().removeEventFilter(self._activity)
        self.bridge.close()
        super().closeEvent(event)
