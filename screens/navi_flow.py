"""The window's 手続きナビ: the life event, its questions, today's list, then one visit of the
kiosk's steps. A mixin of KioskWindow (screens.window), which owns the screens it shows."""

from __future__ import annotations

from core.flow import Visit
from core.life_events import LifeEventSession


class NaviFlow:
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
