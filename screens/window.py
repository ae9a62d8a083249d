"""The kiosk window: a stack of screens and the thin glue that follows the resident session.

Which page comes next and what is valid are decided by core.flow; this class only shows the
screen for the session's current step and passes answers back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedLayout, QWidget

from core.flow import ResidentSession, Step, Visit
from core.life_events import LifeEventSession
from core.reception import FinalizedApplication
from core.validators import Invalid
from kiosk.config import TextSize, Theme
from kiosk.events import Event, EventKind
from kiosk.idle import IdleClock, IdlePolicy, IdleState
from kiosk.qtbridge import QtEventBridge
from kiosk.services import (
    ApplicationNotSaved,
    CompletionInfo,
    NotAcceptingApplications,
    Services,
)
from kiosk.technician import CornerTaps
from screens.activity import ActivityWatcher
from screens.card import CardScreen
from screens.card_flow import CardFlow
from screens.completion import CompletionScreen
from screens.device_problem import DeviceProblemOverlay
from screens.home import HomeScreen
from screens.idle_warning import IdleWarningOverlay
from screens.language_choice import LanguageOverlay
from screens.life_event import LifeEventScreen
from screens.menu import MenuScreen
from screens.metrics import metrics_for
from screens.navi_flow import NaviFlow
from screens.question import QuestionScreen
from screens.review import ReviewScreen
from screens.scan import ScanScreen
from screens.staff_call import StaffCallOverlay
from screens.technician import TechnicianOverlay
from screens.technician_mode import TechnicianMode
from screens.theme import Look
from screens.widgets import PageFrame

IDLE_CHECK_MS = 500
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}
_KEYS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}


class KioskWindow(NaviFlow, CardFlow, TechnicianMode, QWidget):
    """The navigator, the card page and technician mode live in their own mixins."""

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
        # The profile's sizes (kiosk or phone) go with the look, and to every screen: one set
        # of screens, laid out by the numbers of the display they are on.
        self.metrics = metrics = metrics_for(services.settings.profile)
        look = look.with_changes(metrics=metrics)
        self.setStyleSheet(look.stylesheet())
        self.look = self._default_look = look  # a resident may change it for their visit
        self.voice_on = False  # read questions aloud, for this resident (home screen option)
        self.setWindowTitle("Madoguchi 窓口")

        self.home = HomeScreen(services.languages, metrics)
        self.menu = MenuScreen(metrics)
        self.question = QuestionScreen(metrics)
        self.question.postal_candidates = services.address_candidates
        self.review = ReviewScreen(metrics)
        self.completion = CompletionScreen(metrics)
        self.scan = ScanScreen(metrics)
        self.card = CardScreen(metrics)
        self.life = LifeEventScreen(metrics)
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
        self.staff_overlay = StaffCallOverlay(self, metrics)
        self.device_problem = DeviceProblemOverlay(self, metrics)
        self.device_problem.staff_requested.connect(self._problem_call_staff)
        self.language_overlay = LanguageOverlay(self, services.all_languages, metrics)
        self.language_overlay.language_chosen.connect(self.set_language)
        for screen in self.screens():
            screen.language_requested.connect(self.language_overlay.open)
        self.idle_warning = IdleWarningOverlay(self, metrics)
        settings = services.settings
        self.idle = IdleClock(IdlePolicy(settings.idle_quiet_s, settings.idle_warning_s), now)
        self.idle_warning.still_here.connect(self.extend_time)
        self.technician = TechnicianOverlay(self, metrics)
        self._corner = CornerTaps(now)
        self.technician.pin_entered.connect(self._technician_pin)
        self.technician.practice_toggled.connect(self._toggle_practice)
        self.technician.reprint_requested.connect(self._reprint)
        self.technician.sync_requested.connect(self._sync_now)
        self.technician.requeue_requested.connect(self._requeue)
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

    def choose_procedure(self, procedure_id: str) -> None:
        procedure = self.services.catalog.procedure(procedure_id)
        if self.services.reads_cards_for(procedure):
            self.open_card(procedure_id)
            return
        self.session = self.services.start_session(procedure_id)
        self._show_step()

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
        self.set_look(self.look.with_changes(text_size=following))
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
        self.set_look(self.look.with_changes(theme=theme))
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

    def closeEvent(self, event) -> None:
        if not self._may_close:
            event.ignore()  # Alt+F4 and the like: a locked kiosk stays
            return
        # The application-wide filter goes with the window: it must never call a closed one.
        QApplication.instance().removeEventFilter(self._activity)
        self.bridge.close()
        super().closeEvent(event)
