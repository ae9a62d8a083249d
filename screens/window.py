"""The kiosk window: a stack of screens that renders the navigator's current view.

Which screen comes next, what is valid and what is forgotten are decided by kiosk.navigator
(Qt-free, tested without Qt); this class connects each widget's signals to a navigator action
and renders the view the action returns on the widget its screen names. Overlays (staff call,
device problem, idle warning, language, technician mode) stay here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedLayout, QWidget

from core.flow import ResidentSession
from core.life_events import LifeEventSession
from core.reception import FinalizedApplication
from kiosk.events import Event
from kiosk.idle import IdleClock
from kiosk.name_index import NameLookup
from kiosk.navigator import Navigator
from kiosk.phone_entry import check_with_card
from kiosk.qtbridge import QtEventBridge
from kiosk.services import Services
from kiosk.settings_apply import refresh_navigator
from kiosk.views import (
    CardView,
    CompletionView,
    ElsewhereView,
    EventReaction,
    HomeView,
    LifeEventView,
    MenuView,
    NaviMode,
    QuestionView,
    ReviewView,
    ScanView,
    Screen,
    View,
)
from screens.activity import ActivityWatcher
from screens.card import CardScreen
from screens.completion import CompletionScreen
from screens.device_problem import DeviceProblemOverlay
from screens.elsewhere import ElsewhereScreen
from screens.home import HomeScreen
from screens.idle_warning import IdleWarningOverlay
from screens.language_choice import LanguageOverlay
from screens.life_event import LifeEventScreen
from screens.menu import MenuScreen
from screens.metrics import metrics_for
from screens.page_frame import PageFrame
from screens.question import QuestionScreen
from screens.review import ReviewScreen
from screens.scan import ScanScreen
from screens.staff_call import StaffCallOverlay
from screens.technician_link import TechnicianLink

if TYPE_CHECKING:
    from screens.technician import TechnicianOverlay
from screens.theme import Look

IDLE_CHECK_MS = 500


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
        # The profile's sizes (kiosk or phone) go with the look, and to every screen: one set
        # of screens, laid out by the numbers of the display they are on.
        self.metrics = metrics = metrics_for(services.settings.profile)
        self._default_look = look.with_changes(metrics=metrics)
        self.navigator = Navigator(services, look.theme, look.text_size, now)
        self._applied_look: Look | None = None
        self._banner: tuple[str, bool] | None = None  # (language, practice) last shown
        self.setWindowTitle("Madoguchi 窓口")

        self.home = HomeScreen(services.languages, metrics)
        self.menu = MenuScreen(metrics)
        self.question = QuestionScreen(metrics)
        self.question.postal_candidates = services.address_candidates
        self.question.municipal_area = services.municipal_area
        # Kanji spellings for a name typed in kana, once the name index is built (by `kiosk
        # run` in the background or `kiosk names build`); until then the kana stays.
        self.question.name_lookup = NameLookup(services.paths.data_dir, build_missing=False)
        self.review = ReviewScreen(metrics)
        self.completion = CompletionScreen(metrics)
        self.scan = ScanScreen(metrics)
        self.card = CardScreen(metrics)
        self.life = LifeEventScreen(metrics)
        self.elsewhere = ElsewhereScreen(metrics)
        self._widgets: dict[Screen, PageFrame] = {
            Screen.HOME: self.home,
            Screen.MENU: self.menu,
            Screen.QUESTION: self.question,
            Screen.REVIEW: self.review,
            Screen.COMPLETION: self.completion,
            Screen.SCAN: self.scan,
            Screen.CARD: self.card,
            Screen.LIFE_EVENT: self.life,
            Screen.ELSEWHERE: self.elsewhere,
        }
        self._renderers: dict[Screen, Callable[[View], None]] = {
            Screen.HOME: self._render_home,
            Screen.MENU: self._render_menu,
            Screen.QUESTION: self._render_question,
            Screen.REVIEW: self._render_review,
            Screen.COMPLETION: self._render_completion,
            Screen.SCAN: self._render_scan,
            Screen.CARD: self._render_card,
            Screen.LIFE_EVENT: self._render_life,
            Screen.ELSEWHERE: self._render_elsewhere,
        }
        # What each widget that can show a resident's answers does to forget them.
        self._forget: dict[Screen, Callable[[], None]] = {
            Screen.QUESTION: self.question.clear,
            Screen.REVIEW: self.review.clear_rows,
            Screen.COMPLETION: self.completion.clear,
            Screen.CARD: self.card.clear,
            Screen.ELSEWHERE: self.elsewhere.clear,
        }
        self.stack = QStackedLayout(self)
        for screen in self.screens():
            self.stack.addWidget(screen)
            screen.staff_requested.connect(self.call_staff)
            screen.start_over_requested.connect(self.start_over)
            screen.back_requested.connect(self.go_back)
        self.staff_overlay = StaffCallOverlay(self, metrics)
        self.device_problem = DeviceProblemOverlay(self, metrics)
        self.device_problem.staff_requested.connect(self._problem_call_staff)
        self.language_overlay = LanguageOverlay(self, services.all_languages, metrics)
        self.language_overlay.language_chosen.connect(self.set_language)
        for screen in self.screens():
            screen.language_requested.connect(self.language_overlay.open)
        self.idle_warning = IdleWarningOverlay(self, metrics)
        self.idle_warning.still_here.connect(self.extend_time)
        # Technician mode (corner taps, PIN, menu) and the out-of-service screen.
        self.staff_side = TechnicianLink(self, services, metrics, now)
        self._activity = ActivityWatcher(self.navigator.touched, self._pressed_at, locked)
        self._idle_timer = QTimer(self)
        self._idle_timer.timeout.connect(self.check_idle)
        self._idle_timer.start(IDLE_CHECK_MS)

        nav = self.navigator
        self._connect(self.home.primary_requested, nav.open_menu)
        self.home.language_chosen.connect(self.set_language)
        self.home.text_size_requested.connect(lambda: self._render(nav.next_text_size()))
        self.home.contrast_requested.connect(lambda: self._render(nav.toggle_contrast()))
        self.home.voice_requested.connect(lambda: self._render(nav.toggle_voice()))
        self._connect(self.home.scan_requested, nav.open_scan)
        self.menu.category_chosen.connect(self.open_category)
        self.menu.procedure_chosen.connect(self.choose_procedure)
        self.menu.navi_requested.connect(self.open_navi)
        self.question.primary_requested.connect(self.submit_answer)
        self.review.change_requested.connect(self.change_answer)
        self.review.primary_requested.connect(self.submit_application)
        self._connect(self.review.card_check_requested, lambda: check_with_card(nav))
        self._connect(self.completion.primary_requested, nav.after_completion)
        self.life.event_chosen.connect(self.choose_life_event)
        self.life.answered.connect(self.answer_navi)
        self._connect(self.life.primary_requested, nav.start_visit)
        self._connect(self.card.manual_requested, nav.continue_without_card)
        self._connect(self.card.qr_requested, nav.card_to_scan)
        self._connect(self.elsewhere.primary_requested, nav.go_elsewhere)
        self.scan.sample_requested.connect(nav.scan_sample)
        self.card.pin_entered.connect(nav.enter_pin)
        self.card.demo_place_requested.connect(nav.place_demo_card)
        self.card.demo_take_requested.connect(nav.take_demo_card)
        bridge.event_arrived.connect(self.on_event)
        self._render(nav.view)
        # Last: a window whose construction failed must leave no application-wide filter.
        QApplication.instance().installEventFilter(self._activity)

    def _connect(self, signal, action: Callable[[], View]) -> None:
        signal.connect(lambda *_: self._render(action()))

    @property
    def technician(self) -> TechnicianOverlay:
        """Technician mode's overlay (built the first time it is wanted)."""
        return self.staff_side.overlay

    def screens(self) -> list[PageFrame]:
        return list(self._widgets.values())

    def t(self, key: str, **values: object) -> str:
        return self.services.text(key, self.language, **values)

    # -- the navigator's state, for tests and the tour --------------------------------------

    @property
    def language(self) -> str:
        return self.navigator.language

    @property
    def session(self) -> ResidentSession | None:
        return self.navigator.session

    @property
    def navi(self) -> LifeEventSession | None:
        return self.navigator.guide.session

    @property
    def application(self) -> FinalizedApplication | None:
        return self.navigator.application

    @property
    def voice_on(self) -> bool:
        return self.navigator.voice_on

    @property
    def idle(self) -> IdleClock:
        return self.navigator.idle

    @property
    def look(self) -> Look:
        nav = self.navigator
        return self._default_look.with_changes(theme=nav.theme, text_size=nav.text_size)

    # -- resident actions: each asks the navigator, then renders what it returns -------------

    def go_home(self) -> None:
        self._render(self.navigator.go_home())

    def open_menu(self) -> None:
        self._render(self.navigator.open_menu())

    def open_category(self, category_id: str) -> None:
        self._render(self.navigator.open_category(category_id))

    def open_scan(self) -> None:
        self._render(self.navigator.open_scan())

    def choose_procedure(self, procedure_id: str) -> None:
        self._render(self.navigator.choose_procedure(procedure_id))

    def submit_answer(self) -> None:
        self._render(self.navigator.submit_answer(self.question.value()))

    def go_back(self) -> None:
        self._render(self.navigator.go_back())

    def change_answer(self, page_id: str) -> None:
        self._render(self.navigator.change_answer(page_id))

    def submit_application(self) -> None:
        self._render(self.navigator.submit_application())

    def open_navi(self) -> None:
        self._render(self.navigator.open_navi())

    def choose_life_event(self, event_id: str) -> None:
        self._render(self.navigator.choose_life_event(event_id))

    def answer_navi(self, value: bool) -> None:
        self._render(self.navigator.answer_navi(value))

    def start_over(self) -> None:
        self.end_session()

    def end_session(self) -> None:
        self._render(self.navigator.end_session())

    def set_language(self, language: str) -> None:
        # Keep what is on screen but not yet submitted (a stepper moved, an option tapped).
        on_question = self.stack.currentWidget() is self.question
        pending = self.question.value() if on_question else None
        self._render(self.navigator.set_language(language, pending))

    def set_look(self, look: Look) -> None:
        self.navigator.choose_look(look.theme, look.text_size)
        self._apply_look()

    def call_staff(self) -> None:
        current = self.stack.currentWidget()
        self.services.call_staff(current.objectName() if current else "unknown")
        self.staff_overlay.open(self.t)

    def _problem_call_staff(self) -> None:
        self.device_problem.hide()
        self.call_staff()

    # -- rendering ------------------------------------------------------------------------

    def _render(self, view: View) -> None:
        if view.screen is Screen.HOME:
            self._between_residents()
        self._apply_look()
        self._apply_banners()
        screen = view.screen
        for other, forget in self._forget.items():
            if other is not screen:
                forget()  # no widget keeps a resident's answers once it is not shown
        if screen is Screen.HOME:  # a new resident: nothing of the last one stays over it
            for overlay in (
                self.staff_overlay,
                self.device_problem,
                self.idle_warning,
                self.language_overlay,
            ):
                overlay.hide()
        self._renderers[screen](view)
        self.stack.setCurrentWidget(self._widgets[screen])

    def _apply_look(self) -> None:
        look = self.look
        if look != self._applied_look:
            self._applied_look = look
            self.setStyleSheet(look.stylesheet())

    def _apply_banners(self) -> None:
        banner = (self.language, self.services.practice)
        if banner != self._banner:
            self._banner = banner
            text = self.t("practice_banner") if self.services.practice else None
            for screen in self.screens():
                screen.set_practice(text)

    def _render_home(self, view: View) -> None:
        assert isinstance(view, HomeView)
        self.home.retranslate(
            self.t,
            view.municipality_name.text(self.language),
            view.opening_hours.text(self.language),
            self.language,
            view.accepting,
            can_scan=view.can_scan,
            look=self.look,
            voice=view.voice,
        )

    def _render_menu(self, view: View) -> None:
        assert isinstance(view, MenuView)
        if view.category is None:
            colour = self.look.palette.button_text
            self.menu.show_categories(list(view.categories), self.language, self.t, colour)
        else:
            procedures = list(view.procedures)
            self.menu.show_procedures(view.category, procedures, self.language, self.t)

    def _render_question(self, view: View) -> None:
        assert isinstance(view, QuestionView)
        if view.error is not None:
            # The input on screen still holds what the resident entered: only say why not.
            self.question.show_error(self.t(view.error.key, **dict(view.error.values)))
            return
        title = view.procedure.title.text(self.language)
        self.question.show_page(
            view.page,
            view.answer,
            view.progress,
            title,
            self.language,
            self.t,
            address_so_far=view.address_so_far,
        )

    def _render_review(self, view: View) -> None:
        assert isinstance(view, ReviewView)
        # The fee lines these answers come to (core.fees), from the profile in use now.
        self.review.fees = self.services.catalog.municipality.fees
        self.review.show_review(view, self.language, self.services.ui, self.t)

    def _render_completion(self, view: View) -> None:
        assert isinstance(view, CompletionView)
        self.completion.show_view(view, self.language, self.t)

    def _render_scan(self, view: View) -> None:
        assert isinstance(view, ScanView)
        sample = view.sample.title.text(self.language) if view.sample is not None else None
        self.scan.show_waiting(self.t, sample)
        if view.problem is not None:
            self.scan.show_problem(self.t(view.problem))

    def _render_card(self, view: View) -> None:
        assert isinstance(view, CardView)
        self.card.show_page(view, self.language, self.t)

    def _render_elsewhere(self, view: View) -> None:
        assert isinstance(view, ElsewhereView)
        self.elsewhere.show_view(view, self.language, self.t)

    def _render_life(self, view: View) -> None:
        assert isinstance(view, LifeEventView)
        language, t = self.language, self.t
        if view.mode is NaviMode.EVENTS:
            self.life.show_events(list(view.events), language, t)
        elif view.mode is NaviMode.QUESTION:
            assert view.event is not None and view.question is not None
            self.life.show_question(view.event, view.question, language, t)
        else:
            assert view.event is not None
            self.life.show_plan(view.event, list(view.plan), language, t)

    # -- idle: warn, then forget ----------------------------------------------------------

    def check_idle(self) -> None:
        check = self.navigator.check_idle()
        if check.expired:
            self.idle_warning.hide()
            self._render(self.navigator.view)  # home, every widget that showed an answer wiped
        elif check.warning_seconds is not None:
            self.idle_warning.show_countdown(check.warning_seconds, self.t)
        else:
            self.idle_warning.hide()

    def extend_time(self) -> None:
        self.navigator.extend_time()
        self.idle_warning.hide()

    # -- events from devices and services (delivered on the GUI thread by the bridge) ------

    def on_event(self, event: Event) -> None:
        reaction = self.navigator.on_event(event)
        if reaction is EventReaction.IGNORED:
            return
        view = self.navigator.view
        self._render(view)
        if reaction is EventReaction.PRINT_PROBLEM and isinstance(view, CompletionView):
            # Plain words for what happened (no paper, cover open …); the number stays.
            number = str(view.application.reception_number)
            self.device_problem.open(self.t(view.print_status), self.t, number)
        elif reaction is EventReaction.STAFF_COMING:
            # Staff acknowledged the call on the console: tell the resident someone is coming.
            self.staff_overlay.open(self.t, "staff_coming")

    # -- technician mode and the time between two residents ---------------------------------

    def _pressed_at(self, global_position) -> None:
        local = self.mapFromGlobal(global_position.toPoint())
        self.staff_side.pressed_at(local.x(), local.y())

    def _between_residents(self) -> None:
        """The home screen is about to show and no resident is being served: settings that
        arrived from the backend take effect now, never in the middle of a resident."""
        changed = self.services.between_residents()
        if changed:  # the next resident's look and idle times, 手続きナビ's procedures
            refresh_navigator(self.navigator, self.services, changed)
            if "text_size" in changed:
                size = self.services.settings.text_size
                self._default_look = self._default_look.with_changes(text_size=size)
        self.staff_side.at_home()

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
