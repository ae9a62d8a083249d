"""Simulated residents at the kiosk itself: they tap through the real Navigator (menu, pages,
review, completion), so every usage event the figures count comes from the same place as a
real resident's, and they behave like people: some go back, change an answer from the review,
get an answer refused, call staff, or walk away (`--abandon-rate`).

Time is simulated: each tap takes a few seconds on a clock the Navigator's idle timer and the
page times both read, so a resident who walks away is let go by the real idle timeout, at
once, and the page times are the same under the same seed. A resident who walks away
finalizes nothing and prints no line; each finalized application prints
`<reception number> <application id>` as soon as the commit has returned (kiosk.simulate).

What each resident did is returned (never anything personal), so a test can hold the
backend's figures against it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from core.catalog import Procedure
from kiosk.events import StaffCalled
from kiosk.navigator import Navigator
from kiosk.simulate import (
    BUILT_IN_RESIDENTS,
    SimulatedApplication,
    SimulationError,
    _candidates,
)
from kiosk.usage import procedure_page
from kiosk.views import (
    CardView,
    CompletionView,
    ElsewhereView,
    QuestionView,
    ReviewView,
    View,
)

# Seconds a tap takes a simulated resident (reading the page, finding the answer).
THINK_S = (2.0, 25.0)
# At most this many taps per resident: a walk that never reaches the review is a bug.
MAX_TAPS = 400


@dataclass(frozen=True)
class Behaviour:
    """How often simulated residents do what real ones do (each a probability)."""

    abandon_rate: float = 0.0  # walk away at a random page of their procedure
    back_rate: float = 0.08  # on a page after the first: go back one page, then on again
    change_rate: float = 0.15  # at the review: change one answer
    mistake_rate: float = 0.1  # on a required page: tap "next" without an answer first
    staff_call_rate: float = 0.03  # on a page: call staff (the procedure goes on)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")


@dataclass(frozen=True)
class ResidentWalk:
    """What one simulated resident did: the procedure, and where they left if they did."""

    procedure_id: str
    application: SimulatedApplication | None  # None: walked away
    left_on: str | None = None  # the page they walked away from


class SimulatedClock:
    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _Resident:
    """One resident's walk through the navigator."""

    def __init__(
        self,
        navigator: Navigator,
        clock: SimulatedClock,
        rng: random.Random,
        person: dict[str, str],
        behaviour: Behaviour,
        deliver: Callable[[], None],
    ) -> None:
        self.nav = navigator
        self.clock = clock
        self.rng = rng
        self.person = person
        self.behaviour = behaviour
        self.deliver = deliver
        self.changed = False

    def tap(self, action: Callable[[], View]) -> View:
        self.clock.advance(self.rng.uniform(*THINK_S))
        self.nav.touched()
        view = action()
        self.deliver()  # what the bridge would hand the window between taps
        return view

    def walk(self, procedure: Procedure, leaves: bool) -> tuple[View, str | None]:
        """(the last view, the page walked away from or None)."""
        nav = self.nav
        self.tap(nav.open_menu)
        self.tap(lambda: nav.open_category(procedure.category))
        view = self.tap(lambda: nav.choose_procedure(procedure.id))
        if isinstance(view, CardView):  # manual entry: the simulation has no card to place
            view = self.tap(nav.continue_without_card)
        assert nav.session is not None
        leave_at = self.rng.randrange(len(nav.session.pages) + 1) if leaves else None
        for shown in range(MAX_TAPS):
            if shown == leave_at:
                return view, self.walk_away(view)
            if isinstance(view, QuestionView):
                view = self.question(view)
            elif isinstance(view, ReviewView):
                view = self.review(view)
                if isinstance(view, CompletionView):
                    return view, None
            elif isinstance(view, ElsewhereView):
                view = self.tap(nav.go_back)  # back to the page, to answer it in the city
            else:
                raise SimulationError(f"{procedure.id}: unexpected {type(view).__name__}")
        raise SimulationError(f"{procedure.id}: the review was not reached in {MAX_TAPS} taps")

    def question(self, view: QuestionView) -> View:
        nav, rng, behaviour = self.nav, self.rng, self.behaviour
        page = view.page
        if rng.random() < behaviour.staff_call_rate:
            # What call_staff publishes, without its chime at the machine running this.
            nav.services.events.publish(StaffCalled("question"))
            self.deliver()
        if page.required and rng.random() < behaviour.mistake_rate:
            view = self.tap(lambda: nav.submit_answer(None))
        if view.progress.position > 1 and rng.random() < behaviour.back_rate:
            return self.tap(nav.go_back)
        session = nav.session
        assert session is not None
        today = session.today or date.today()
        for answer in _candidates(page, self.person, rng, today, session.area):
            view = self.tap(lambda answer=answer: nav.submit_answer(answer))
            if isinstance(view, ElsewhereView):
                view = self.tap(nav.go_back)  # outside the city: the next candidate
            elif not (isinstance(view, QuestionView) and view.error and view.page.id == page.id):
                return view
        raise SimulationError(f"{session.procedure.id}: no simulated answer fits '{page.id}'")

    def review(self, view: ReviewView) -> View:
        nav = self.nav
        own = [item.page.id for item in view.items if not item.from_card_or_visit]
        if own and not self.changed and self.rng.random() < self.behaviour.change_rate:
            self.changed = True
            page_id = self.rng.choice(own)
            return self.tap(lambda: nav.change_answer(page_id))
        done = self.tap(nav.submit_application)
        if isinstance(done, ReviewView) and done.error is not None:
            why = nav.not_saved_because or done.error.key
            raise SimulationError(f"the application was not saved: {why}")
        return done

    def walk_away(self, view: View) -> str | None:
        """Gone: the idle timer, not the resident, ends the session."""
        where = procedure_page(view)
        settings = self.nav.services.settings
        self.clock.advance(settings.idle_quiet_s + settings.idle_warning_s + 1)
        if not self.nav.check_idle().expired:
            raise SimulationError("the idle timeout did not end an abandoned session")
        return where[1] if where else None


def walk_residents(
    count: int,
    navigator: Navigator,
    clock: SimulatedClock,
    procedures: list[Procedure],
    out: TextIO,
    *,
    residents: list[dict[str, str]] | None = None,
    seed: int | None = None,
    behaviour: Behaviour = Behaviour(),
    deliver: Callable[[], None] = lambda: None,
) -> list[ResidentWalk]:
    """`count` residents one after another, each a random procedure of `procedures`.
    deliver: hands the bus's queued events to the navigator (the Qt bridge's job)."""
    rng = random.Random(seed)
    people = residents or list(BUILT_IN_RESIDENTS)
    walks = []
    for _ in range(count):
        procedure = rng.choice(procedures)
        person = rng.choice(people)
        leaves = rng.random() < behaviour.abandon_rate
        resident = _Resident(navigator, clock, rng, person, behaviour, deliver)
        try:
            view, left_on = resident.walk(procedure, leaves)
        except SimulationError as error:
            saved = sum(walk.application is not None for walk in walks)
            raise SimulationError(f"stopped after {saved} applications", error) from error
        if not isinstance(view, CompletionView):
            walks.append(ResidentWalk(procedure.id, None, left_on))
            continue
        application = view.application
        print(f"{application.reception_number} {application.id}", file=out, flush=True)
        resident.tap(navigator.after_completion)
        walks.append(
            ResidentWalk(
                procedure.id,
                SimulatedApplication(
                    str(application.reception_number), application.id, procedure.id
                ),
            )
        )
    return walks
