"""A small, safe condition language for showing pages and documents: all / any / not / equals /
in, over the answers given so far. Data, never code: nothing is evaluated but these five forms.

In TOML:  show_if = { all = [ { equals = { field = "applicant", value = "proxy" } },
                              { not = { in = { field = "purpose", values = ["other"] } } } ] }
A list answer (multiple choice) equals a value when it contains it, and is in a set of values
when it shares one with it. An unanswered field equals nothing and is in nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scalar = str | int | bool


class FieldEquals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    value: Scalar


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    values: tuple[Scalar, ...] = Field(min_length=1)


class Condition(BaseModel):
    """Exactly one of the five forms."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    all_of: tuple[Condition, ...] | None = Field(None, alias="all", min_length=1)
    any_of: tuple[Condition, ...] | None = Field(None, alias="any", min_length=1)
    not_: Condition | None = Field(None, alias="not")
    equals: FieldEquals | None = None
    in_: FieldIn | None = Field(None, alias="in")

    @model_validator(mode="after")
    def _exactly_one_form(self) -> Condition:
        forms = [self.all_of, self.any_of, self.not_, self.equals, self.in_]
        if sum(form is not None for form in forms) != 1:
            raise ValueError("a condition has exactly one of: all, any, not, equals, in")
        return self

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.all_of is not None:
            return all(part.holds(answers) for part in self.all_of)
        if self.any_of is not None:
            return any(part.holds(answers) for part in self.any_of)
        if self.not_ is not None:
            return not self.not_.holds(answers)
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
        """Every field the condition reads (for checking references when loading)."""
        for parts in (self.all_of, self.any_of):
            for part in parts or ():
                yield from part.fields()
        if self.not_ is not None:
            yield from self.not_.fields()
        if self.equals is not None:
            yield self.equals.field
        if self.in_ is not None:
            yield self.in_.field
