"""A small, safe condition language for showing pages and documents: all / any / not / equals /
in / age_at_least / days_ago / members / any_member, over the answers given so far. Data, never
code: nothing is evaluated but these nine forms.

In TOML:  show_if = { all = [ { equals = { field = "applicant", value = "proxy" } },
                              { not = { in = { field = "purpose", values = ["other"] } } } ] }
          { age_at_least = { field = "birth_date", years = 65, on = "moving_date" } }
          { days_ago = { field = "moving_date", more_than = 14 } }
A list answer (multiple choice) equals a value when it contains it, and is in a set of values
when it shares one with it. An unanswered field equals nothing and is in nothing, and no age
is reached from an unanswered date. An age is counted on the date of `on`, else today, as
Japanese law counts it (core.wareki.age_on). days_ago counts from today too: for the
counter's flags (a 転居 reported after its 14 days) today is the day the application was made.

A repeated group's answer (core.catalog_pages.Group) is a list of objects, one per member:
          { members = { group = "movers", at_least = 2 } }
          { any_member = { group = "movers", where = { age_at_least = {
                field = "mover_birth_date", years = 6, on = "moving_date" } } } }
`members` counts them; `any_member` holds when `where` holds for one member's answers (read
over the other answers, so an age can be counted on the moving date).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.wareki import age_on

Scalar = str | int | bool


class FieldEquals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    value: Scalar


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    values: tuple[Scalar, ...] = Field(min_length=1)


class AgeAtLeast(BaseModel):
    """The person born on the date answered in `field` is at least `years` old on the date
    answered in `on` (today when there is no `on`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    years: int = Field(ge=0, le=150)
    on: str | None = None

    def holds(self, answers: Mapping[str, Any], today: date) -> bool:
        birth = _day(answers.get(self.field))
        day = _day(answers.get(self.on)) if self.on is not None else today
        return birth is not None and day is not None and age_on(birth, day) >= self.years


class DaysAgo(BaseModel):
    """The date answered in `field` lies more than `more_than` days before today."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    more_than: int = Field(ge=0, le=36_500)

    def holds(self, answers: Mapping[str, Any], today: date) -> bool:
        day = _day(answers.get(self.field))
        return day is not None and (today - day).days > self.more_than


class MemberCount(BaseModel):
    """The group `group` has at least / at most this many members."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    group: str
    at_least: int | None = Field(None, ge=0, le=100)
    at_most: int | None = Field(None, ge=0, le=100)

    @model_validator(mode="after")
    def _bounded(self) -> MemberCount:
        if self.at_least is None and self.at_most is None:
            raise ValueError("members needs at_least or at_most")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        count = len(members_of(answers, self.group))
        low = self.at_least if self.at_least is not None else 0
        high = self.at_most if self.at_most is not None else count
        return low <= count <= high


class AnyMember(BaseModel):
    """Some member of the group `group` answered so that `where` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    group: str
    where: Condition

    def holds(self, answers: Mapping[str, Any], today: date | None) -> bool:
        return any(
            self.where.holds({**answers, **member}, today)
            for member in members_of(answers, self.group)
        )


def members_of(answers: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    """A group's answer: its members' answers, one object each (nothing else counts)."""
    value = answers.get(group)
    if not isinstance(value, list | tuple):
        return []
    return [member for member in value if isinstance(member, Mapping)]


def _day(answer: object) -> date | None:
    """A stored date answer (ISO text) as a date; None for anything else."""
    if not isinstance(answer, str):
        return None
    try:
        return date.fromisoformat(answer)
    except ValueError:
        return None


class Condition(BaseModel):
    """Exactly one of the seven forms."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    all_of: tuple[Condition, ...] | None = Field(None, alias="all", min_length=1)
    any_of: tuple[Condition, ...] | None = Field(None, alias="any", min_length=1)
    not_: Condition | None = Field(None, alias="not")
    equals: FieldEquals | None = None
    in_: FieldIn | None = Field(None, alias="in")
    age_at_least: AgeAtLeast | None = None
    days_ago: DaysAgo | None = None
    members: MemberCount | None = None
    any_member: AnyMember | None = None

    @model_validator(mode="after")
    def _exactly_one_form(self) -> Condition:
        forms = [
            self.all_of,
            self.any_of,
            self.not_,
            self.equals,
            self.in_,
            self.age_at_least,
            self.days_ago,
            self.members,
            self.any_member,
        ]
        if sum(form is not None for form in forms) != 1:
            raise ValueError(
                "a condition has exactly one of: all, any, not, equals, in, age_at_least,"
                " days_ago, members, any_member"
            )
        return self

    def holds(self, answers: Mapping[str, Any], today: date | None = None) -> bool:
        if self.all_of is not None:
            return all(part.holds(answers, today) for part in self.all_of)
        if self.any_of is not None:
            return any(part.holds(answers, today) for part in self.any_of)
        if self.not_ is not None:
            return not self.not_.holds(answers, today)
        if self.age_at_least is not None:
            return self.age_at_least.holds(answers, today or date.today())
        if self.days_ago is not None:
            return self.days_ago.holds(answers, today or date.today())
        if self.members is not None:
            return self.members.holds(answers)
        if self.any_member is not None:
            return self.any_member.holds(answers, today)
        if self.equals is not None:
            answer = answers.get(self.equals.field)
            if isinstance(answer, list | tuple):
                return self.equals.value in answer
            return answer is not None and answer == self.equals.value
        assert self.in_ is not None
        answer = answers.get(self.in_.field)
        if isinstance(answer, list | tuple):
            return any(value in self.in_.values for value in answer)
        return answer is not None and answer in self.in_.values

    def fields(self) -> Iterator[str]:
        """Every field the condition reads (for checking references when loading); a group
        condition reads the group (its `where` reads the members' pages: member_fields)."""
        for parts in (self.all_of, self.any_of):
            for part in parts or ():
                yield from part.fields()
        if self.not_ is not None:
            yield from self.not_.fields()
        if self.members is not None:
            yield self.members.group
        if self.any_member is not None:
            yield self.any_member.group
        if self.equals is not None:
            yield self.equals.field
        if self.in_ is not None:
            yield self.in_.field
        if self.age_at_least is not None:
            yield self.age_at_least.field
            if self.age_at_least.on is not None:
                yield self.age_at_least.on
        if self.days_ago is not None:
            yield self.days_ago.field

    def member_conditions(self) -> Iterator[tuple[str, Condition]]:
        """(group, where) of every any_member inside, for checking what `where` reads."""
        for parts in (self.all_of, self.any_of):
            for part in parts or ():
                yield from part.member_conditions()
        if self.not_ is not None:
            yield from self.not_.member_conditions()
        if self.any_member is not None:
            yield self.any_member.group, self.any_member.where

    def date_fields(self) -> Iterator[str]:
        """The fields read as dates (they must be date pages)."""
        for parts in (self.all_of, self.any_of):
            for part in parts or ():
                yield from part.date_fields()
        if self.not_ is not None:
            yield from self.not_.date_fields()
        if self.age_at_least is not None:
            yield self.age_at_least.field
            if self.age_at_least.on is not None:
                yield self.age_at_least.on
        if self.days_ago is not None:
            yield self.days_ago.field
        if self.any_member is not None:
            yield from self.any_member.where.date_fields()


AnyMember.model_rebuild()
