"""Adding, removing and taking back members of a repeated group, for core.flow's session.

A mixin, so core.flow stays one screen's worth of rules: these methods use the session's
answers, member counts and layout (core.members) exactly as its own methods do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.catalog_pages import Group, member_page_id, more_page_id
from core.members import member_answers, renumbered

if TYPE_CHECKING:
    from core.catalog import Page, Procedure
    from core.validators import FieldResult


class MemberMoves:
    """The member moves of core.flow.ResidentSession (which provides the state used here)."""

    _answers: dict[str, Any]
    _counts: dict[str, int]
    _given: set[str]
    _derived: set[str]
    _history: list[str]
    _current: str
    _returning_to_review: bool
    procedure: Procedure
    pages: tuple[Page, ...]

    # Provided by the session.
    def _lay_out(self) -> None: ...
    def _next_to_ask(self, after: str | None) -> str | None: ...
    def _drop_irrelevant(self) -> None: ...
    def _refresh_derived(self) -> None: ...
    def _resume_from_review(self) -> None: ...

    def _add_after(self, more_id: str, group: Group, result: FieldResult) -> FieldResult:
        """はい to 「ほかにも…」: the next member's pages, then the question again."""
        self._answers.pop(more_id, None)
        self._history.append(more_id)
        self._counts[group.id] += 1
        self._lay_out()
        first = member_page_id(group.pages[0], self._counts[group.id])
        ids = [page.id for page in self.pages]
        before = ids[ids.index(first) - 1]
        self._current = self._next_to_ask(after=before) or more_id
        return result

    def add_member(self, group_id: str) -> None:
        """From review: one more member, whose pages are asked before returning to review."""
        group = self.procedure.group(group_id)
        if group is None or self._counts[group_id] >= group.maximum:
            raise KeyError(f"no member to add to {group_id!r}")
        self._counts[group_id] += 1
        self._lay_out()
        self._drop_irrelevant()
        self._resume_from_review()

    def remove_member(self, group_id: str, number: int) -> None:
        """From review: take member `number` out (never below the group's minimum)."""
        group = self.procedure.group(group_id)
        count = self._counts.get(group_id, 0)
        if group is None or not 1 <= number <= count or count <= group.minimum:
            raise KeyError(f"no member {number} to remove from {group_id!r}")
        self._answers = renumbered(self._answers, group, number, count)
        known = set(self._answers)
        self._given &= known
        self._derived &= known
        self._counts[group_id] = count - 1
        self._lay_out()
        self._drop_irrelevant()
        self._refresh_derived()

    def _added_from(self, more_id: str) -> Group | None:
        """The group whose 「ほかにも…」 this was, also when the page has moved on."""
        return next((g for g in self.procedure.groups if more_id == more_page_id(g.id)), None)

    def _undo_empty_member(self, group: Group) -> None:
        """Back to 「ほかにも…」 from a member not yet answered: that member was not added."""
        count = self._counts[group.id]
        if count > group.minimum and not member_answers(self._answers, group, count):
            self._counts[group.id] = count - 1
            self._lay_out()
