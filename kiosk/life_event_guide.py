"""手続きナビ's questions: which life event, a few yes/no questions, then the day's list.

The Navigator owns the screens and the visit that follows the list; this keeps the answers
given so far and says which view comes next. Qt-free, like the Navigator.
"""

from __future__ import annotations

from core.area import MunicipalArea
from core.catalog import Catalog
from core.i18n import UiText
from core.life_events import LifeEventSession
from core.visit import Visit
from kiosk.views import LifeEventView, NaviMode


class LifeEventGuide:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.session: LifeEventSession | None = None  # None: the life events are offered

    def forget(self) -> None:
        self.session = None

    def events(self) -> LifeEventView:
        self.session = None
        return LifeEventView(NaviMode.EVENTS, events=tuple(self.catalog.life_events.values()))

    def choose(self, event_id: str) -> LifeEventView:
        self.session = LifeEventSession(self.catalog.life_events[event_id], self.catalog)
        return self.current()

    def answer(self, value: bool) -> LifeEventView:
        assert self.session is not None
        question = self.session.next_question()
        if question is not None:
            self.session.answer(question.id, value)
        return self.current()

    def current(self) -> LifeEventView:
        """The next question, or the day's list once every question is answered."""
        navi = self.session
        assert navi is not None
        question = navi.next_question()
        if question is not None:
            return LifeEventView(NaviMode.QUESTION, event=navi.event, question=question)
        return LifeEventView(NaviMode.PLAN, event=navi.event, plan=tuple(navi.plan()))

    def back(self) -> LifeEventView | None:
        """One question back (the last answer forgotten), else the life events; None when
        there is nothing of 手続きナビ to go back in (the menu then)."""
        if self.session is None:
            return None
        if self.session.answers:
            self.session.answers.popitem()
            return self.current()
        return self.events()

    def visit(self, ui: UiText, area: MunicipalArea) -> Visit | None:
        """The day's list as a visit, with what its procedures may add by their answers
        (core.life_events.FollowOn); None when this kiosk can do none of it."""
        assert self.session is not None
        procedures = self.procedures()
        if not procedures:
            return None
        return Visit(procedures, ui, area=area, follow_ons=self.session.follow_ons())

    def procedures(self) -> list:
        """The procedures of the day's list that this kiosk can do, in order."""
        assert self.session is not None
        return [step.procedure for step in self.session.plan() if step.procedure is not None]
