"""Adding, removing and taking back members of a repeated group, for core.flow's session.

A mixin, so core.flow stays one screen's worth of rules: these methods use the session's
answers, member counts and layout (core.members) exactly as its own methods do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.catalog_pages import APPLICANT_PAGE, Applicant, Group, member_page_id, more_page_id
from core.members import member_answers, renumbered
from core.validators import Valid

if TYPE_CHECKING:
    from core.catalog import Page, Procedure
    from core.validators import FieldResult


class MemberMoves:
    """The member moves of core.flow.ResidentSession (which provides the state used here)."""

    _answers: dict[str, Any]
    _counts: dict[str, int]
    _given: set[str]
    _copied: set[str]
    _card: dict[Any, Any]
    _derived: set[str]
    _history: list[str]
    _current: str
    _by_id: dict[str, Page]
    _returning_to_review: bool
    procedure: Procedure
    pages: tuple[Page, ...]

    # Provided by the session.
    def _lay_out(self) -> None: ...
    def _next_to_ask(self, after: str | None) -> str | None: ...
    def _drop_irrelevant(self) -> None: ...
    def _checked(self, page: Page, raw: object) -> FieldResult: ...
    def _derive(self, page: Page) -> bool: ...
    def applies(self, page: Page, view: Any = None) -> bool: ...
    def _refresh_derived(self) -> None: ...
    def _resume_from_review(self) -> None: ...

    def _add_after(self, more_id: str, group: Group, result: FieldResult) -> FieldResult:
        """はい to 「ほかにも…」: the next member's pages, then the question again. A resident
        who came back here from a member begun but not finished goes on with that member."""
        self._answers.pop(more_id, None)
        self._history.append(more_id)
        unfinished = self._unanswered_of(group, self._counts[group.id])
        if unfinished is not None:
            self._current = unfinished
            return result
        self._counts[group.id] += 1
        self._lay_out()
        first = member_page_id(group.pages[0], self._counts[group.id])
        ids = [page.id for page in self.pages]
        before = ids[ids.index(first) - 1]
        self._current = self._next_to_ask(after=before) or more_id
        return result

    def _no_more_after(self, group: Group) -> None:
        """いいえ to 「ほかにも…」: a member begun and left unfinished (back to this question
        from their pages) was not one more after all."""
        count = self._counts[group.id]
        if count > group.minimum and self._unanswered_of(group, count) is not None:
            for page_id in group.pages:
                self._answers.pop(member_page_id(page_id, count), None)
            self._counts[group.id] = count - 1
            self._lay_out()

    def _unanswered_of(self, group: Group, number: int) -> str | None:
        """Member `number`'s first page that applies and still needs an answer, if any."""
        for page_id in group.pages:
            member_id = member_page_id(page_id, number)
            page = self._by_id.get(member_id)
            if page is None or not page.required or member_id in self._answers:
                continue
            if self.applies(page) and not self._derive(page):
                return member_id
        return None

    def _fill_first_members(self) -> None:
        """Member 1 is the card's holder (the group's prefill) and the applicant (its
        first_from), unless a proxy applies: then what was filled in for them goes and their
        pages are asked. What the resident typed on those pages themselves stays theirs."""
        proxy = self._answers.get(APPLICANT_PAGE) == Applicant.PROXY
        for group in self.procedure.groups:
            known = {p: self._card[f] for f, p in group.prefill.items() if f in self._card}
            for page_id, source in group.first_from.items():
                if source in self._answers:
                    known[page_id] = self._answers[source]
            for page_id, value in known.items():
                member_id = member_page_id(page_id, 1)
                if member_id not in self._by_id:
                    continue
                if member_id in self._answers and member_id not in self._copied:
                    continue  # typed, or brought by a phone entry
                self._copied.discard(member_id)
                self._answers.pop(member_id, None)
                self._given.discard(member_id)
                if proxy:
                    continue
                result = self._checked(self._by_id[member_id], value)
                if isinstance(result, Valid) and result.value is not None:
                    self._answers[member_id] = result.value
                    self._given.add(member_id)
                    self._copied.add(member_id)

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
        if number == 1:  # the card's holder or the applicant did not move: nobody else is them
            self._copied = {c for c in self._copied if self._members[c].group is not group}
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
