"""手続きナビ: from a life event and a few yes/no answers to the list of procedures to do today.

Life events are data (assets/life_events/*.toml). A step is a kiosk procedure, or something that
is done only at a counter (出生届, 死亡届 …), which the list still names with its counter so the
resident knows where to go.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.catalog import Catalog, Procedure
from core.conditions import Condition
from core.i18n import LocalizedText
from core.identifier import Identifier
from core.municipality import Counter


class EventQuestion(BaseModel):
    """A yes/no question that decides which steps apply."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    question: LocalizedText
    show_if: Condition | None = None


class AddedAfter(BaseModel):
    """A kiosk step the day's list gains from the answers of a procedure done in the visit:
    転入 listing a child under 18 among the people who moved in → 児童手当, also where the
    resident answered いいえ to 「お子さんはいますか」 (or was not asked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    procedure: Identifier  # the procedure whose answers are read, once it is finalized
    when: Condition  # over its answers: a group reads as its members (any_member, members)


@dataclass(frozen=True)
class FollowOn:
    """For the visit: after `after` is finalized with answers for which `when` holds, the
    procedure joins the day's list (unless it is on it already)."""

    after: str
    when: Condition
    procedure: Procedure


class EventStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    procedure: Identifier | None = None  # a kiosk procedure
    title: LocalizedText | None = None  # or a counter-only step: its title …
    counter: Identifier | None = None  # … and where it is done
    note: LocalizedText | None = None
    show_if: Condition | None = None
    added_after: AddedAfter | None = None

    @model_validator(mode="after")
    def _procedure_or_counter(self) -> EventStep:
        if (self.procedure is None) == (self.title is None or self.counter is None):
            raise ValueError("a step names either a procedure, or a title and a counter")
        if self.added_after is not None and self.procedure is None:
            raise ValueError("added_after: only a kiosk procedure can join the day's list")
        return self


class LifeEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    title: LocalizedText
    summary: LocalizedText
    questions: tuple[EventQuestion, ...] = ()
    steps: tuple[EventStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _conditions_read_questions(self) -> LifeEvent:
        known: set[str] = set()
        for question in self.questions:
            for field in question.show_if.fields() if question.show_if else ():
                if field not in known:
                    raise ValueError(
                        f"question '{question.id}': show_if reads '{field}', "
                        "which is not an earlier question"
                    )
            known.add(question.id)
        for number, step in enumerate(self.steps, start=1):
            for field in step.show_if.fields() if step.show_if else ():
                if field not in known:
                    raise ValueError(
                        f"steps[{number}]: show_if reads '{field}', which is not a question"
                    )
        return self


@dataclass(frozen=True)
class PlannedStep:
    title: LocalizedText
    counter: Counter
    procedure: Procedure | None  # None: done at the counter, not on the kiosk
    note: LocalizedText | None


def cross_check_events(events: dict[str, LifeEvent], catalog: Catalog) -> list[str]:
    problems = []
    offered = {procedure.id for procedure in catalog.all_procedures()}
    for event in events.values():
        for number, step in enumerate(event.steps, start=1):
            where = f"life event {event.id}: steps[{number}]"
            if step.procedure is not None and step.procedure not in offered:
                problems.append(f"{where}: '{step.procedure}' is not a procedure in the catalog")
            problems += _added_after_problems(where, step.added_after, catalog)
            if step.counter is not None and step.counter not in catalog.municipality.counters:
                problems.append(
                    f"{where}: counter '{step.counter}' is not a counter of "
                    f"municipality {catalog.municipality.id}"
                )
    return problems


def _added_after_problems(where: str, added: AddedAfter | None, catalog: Catalog) -> list[str]:
    """added_after reads a procedure of the catalog, by its pages and groups."""
    if added is None:
        return []
    procedure = catalog.all_procedures_by_id().get(added.procedure)
    if procedure is None:
        return [f"{where}: added_after: '{added.procedure}' is not a procedure in the catalog"]
    known = [page.id for page in procedure.pages] + [group.id for group in procedure.groups]
    return [
        f"{where}: added_after: when reads '{field}', which is not a page or group of"
        f" '{procedure.id}' (allowed: {', '.join(known)})"
        for field in added.when.fields()
        if field not in known
    ]


class LifeEventSession:
    """The navigator's questions, one per page, then the plan."""

    def __init__(self, event: LifeEvent, catalog: Catalog) -> None:
        self.event = event
        self.catalog = catalog
        self.answers: dict[str, bool] = {}

    def next_question(self) -> EventQuestion | None:
        for question in self.event.questions:
            if question.id in self.answers:
                continue
            if question.show_if is None or question.show_if.holds(self.answers):
                return question
        return None

    def answer(self, question_id: str, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError("life event questions are answered yes (True) or no (False)")
        self.answers[question_id] = value
        # A changed answer can hide later questions: forget answers that no longer apply.
        for question in self.event.questions:
            applies = question.show_if is None or question.show_if.holds(self.answers)
            if not applies:
                self.answers.pop(question.id, None)

    def follow_ons(self) -> list[FollowOn]:
        """Steps not on the day's list that a procedure on it may add by its answers."""
        planned = {step.procedure.id for step in self.plan() if step.procedure is not None}
        enabled = set(self.catalog.municipality.enabled_procedures)
        by_id = self.catalog.all_procedures_by_id()
        return [
            FollowOn(step.added_after.procedure, step.added_after.when, by_id[step.procedure])
            for step in self.event.steps
            if step.added_after is not None
            and step.procedure is not None
            and step.procedure not in planned
            and step.procedure in enabled
            and step.added_after.procedure in planned
        ]

    def plan(self) -> list[PlannedStep]:
        """The steps for these answers, in the event's order, each with its counter."""
        enabled = set(self.catalog.municipality.enabled_procedures)
        planned = []
        for step in self.event.steps:
            if step.show_if is not None and not step.show_if.holds(self.answers):
                continue
            if step.procedure is not None:
                procedure = self.catalog.all_procedures_by_id()[step.procedure]
                kiosk_procedure = procedure if procedure.id in enabled else None
                counter = self.catalog.municipality.counters.get(procedure.counter)
                if counter is None:
                    continue  # this municipality does not handle it at all
                planned.append(PlannedStep(procedure.title, counter, kiosk_procedure, step.note))
            else:
                assert step.title is not None and step.counter is not None
                planned.append(
                    PlannedStep(
                        step.title,
                        self.catalog.municipality.counters[step.counter],
                        None,
                        step.note,
                    )
                )
        return planned
