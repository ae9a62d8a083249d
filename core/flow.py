"""The resident flow: which page comes next, what was answered, and the way back.

Qt-free on purpose (like Electrum's wizard): screens render `page` and hand back an answer.
Pages whose condition does not hold are skipped; answers that a later change makes irrelevant
are dropped, so the review and the application never carry an answer to a question that no
longer applies. Answers known before the page is reached (from the My Number Card, or given
earlier in the same visit) are not asked again but are shown on the review page, and so are
answers that follow from them (a page's `derive` rules: no "65歳以上の方は" for a resident of
37 who moved alone); a later change that leaves such an answer without its reason asks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from core.area import NO_AREA, MunicipalArea
from core.catalog import (
    APPLICANT_PAGE,
    PERSONAL_ANSWERS,
    Applicant,
    CardField,
    FieldType,
    Option,
    Page,
    Procedure,
    SharedAnswer,
)
from core.date_rules import resolved
from core.fees import FeeBreakdown, fee_breakdown, unit_count
from core.i18n import LocalizedText, UiText
from core.member_moves import MemberMoves
from core.members import Member, gathered, lay_out, member_answers, spread
from core.validators import FieldResult, Invalid, Valid, validate

# What an in-city page says of an answer outside the municipality (its `outside` and
# `outside_note` then lead the resident on).
OUTSIDE_MESSAGES = frozenset({"postal_code_outside", "address_outside"})


def is_outside(result: FieldResult) -> bool:
    return isinstance(result, Invalid) and result.message_key in OUTSIDE_MESSAGES


class Step(StrEnum):
    QUESTION = "question"
    REVIEW = "review"


@dataclass(frozen=True)
class Progress:
    position: int  # 1-based, among the pages that apply to this resident
    total: int


@dataclass(frozen=True)
class ReviewItem:
    page: Page
    value: Any  # the stored answer; None when an optional page was left empty
    from_card_or_visit: bool  # filled in before the resident reached the page
    derived: bool = False  # given by the kiosk from other answers (the page's derive rules)
    member: Member | None = None  # a member's page of a repeated group: which member


def applicant_page(applicants: tuple[Applicant, ...], ui: UiText) -> Page:
    """The page the kiosk adds itself when more than one kind of applicant may apply."""
    return Page(
        id=APPLICANT_PAGE,
        type="single_choice",
        question=ui.entry("applicant_question"),
        review_label=ui.entry("applicant_review_label"),
        options=tuple(
            Option(value=kind.value, label=ui.entry(f"applicant_{kind.value}"))
            for kind in applicants
        ),
    )


class ResidentSession(MemberMoves):
    """One resident's walk through one procedure, held only in memory until finalized."""

    def __init__(
        self,
        procedure: Procedure,
        ui: UiText,
        *,
        shared: dict[str, Any] | None = None,
        card: Mapping[CardField, Any] | None = None,
        prefill: Mapping[str, Any] | None = None,
        today: date | None = None,
        area: MunicipalArea = NO_AREA,
    ) -> None:
        """area: the municipality's postal codes and 町名, for its in_municipality pages."""
        self.procedure = procedure
        self.ui = ui
        # One day for the whole walk: the bounds relative to today (within 14 days, the last
        # five 年度) are made concrete once, so the picker, the stepper, the validator and the
        # review agree even across midnight; tests pin it.
        self.today = today if today is not None else date.today()
        self.area = area
        # A card address outside the municipality on an in-city page: (page, address).
        self._outside: tuple[Page, str] | None = None
        extra = (applicant_page(procedure.applicants, ui),) if len(procedure.applicants) > 1 else ()
        self._base = tuple(resolved(page, self.today) for page in (*extra, *procedure.pages))
        # Members per repeated group (core.members): the pages are laid out for them.
        self._counts = {group.id: group.minimum for group in procedure.groups}
        self._lay_out()
        self._answers: dict[str, Any] = {}
        self._given: set[str] = set()  # filled in before the resident reached the page
        self._card = dict(card or {})
        self._copied: set[str] = set()  # member 1's pages filled from the card or applicant
        self._derived: set[str] = set()  # answered by the page's derive rules, not asked
        # One dict per visit, shared by its sessions: name, address, phone … asked once.
        self._shared = shared if shared is not None else {}
        self._history: list[str] = []
        self._returning_to_review = False
        self.step = Step.QUESTION
        self._fill_known(card or {})
        self._fill_entered(prefill or {})
        first = self._next_to_ask(after=None)
        self._current = first or self.pages[0].id
        if first is None:  # everything was known already (card, earlier procedure)
            self.step = Step.REVIEW

    def _lay_out(self) -> None:
        layout = lay_out(self._base, self.procedure, self._counts)
        self.pages: tuple[Page, ...] = layout.pages
        self._by_id = {page.id: page for page in self.pages}
        self._members = layout.members
        self._more = layout.more

    # -- what is known before asking -----------------------------------------------------

    def _fill_known(self, card: Mapping[CardField, Any]) -> None:
        for card_field, page_id in self.procedure.prefill.items():
            if card_field in card:
                self._take(page_id, card[card_field])
        self._fill_first_members()  # the card's holder, or the applicant, is member 1 only
        for page in self.pages:
            if page.shared and page.id not in self._answers and page.shared in self._shared:
                self._take(page.id, self._shared[page.shared])

    def _fill_entered(self, prefill: Mapping[str, Any]) -> None:
        """Answers entered beforehand (phone pre-entry), in page order so conditions hold.

        Each is validated like typed input; one that fails is simply asked on its page.
        """
        flat, counts = spread(prefill, self.procedure)
        if counts:
            self._counts.update(counts)
            self._lay_out()
        for page in self.pages:
            if page.id in flat and page.type is not FieldType.MY_NUMBER:
                self._take(page.id, flat[page.id])
        for more_id, group in self._more.items():
            if group.id in counts:  # the members were listed beforehand: no one more to add
                self._take(more_id, False)
        self._fill_first_members()  # a phone's code says the applicant's name once
        # Not dropped here for pages whose condition is still open: that condition may hang on
        # a page the resident has yet to answer (the applicant); answering drops what no
        # longer applies.

    def _take(self, page_id: str, raw: Any) -> None:
        """Store a value known in advance, if it is valid for the page (else the page asks)."""
        page = self._by_id[page_id]
        result = self._checked(page, raw)
        if isinstance(result, Valid) and result.value is not None:
            self._answers[page_id] = result.value
            self._given.add(page_id)
            self._copied.discard(page_id)
        elif isinstance(result, Invalid) and result.message_key == "address_outside":
            self._outside = (page, str(raw))

    def _checked(self, page: Page, raw: object) -> FieldResult:
        """The field rule, then for an in-city page the municipality's ground: its own postal
        codes (and only their in-city towns offered) and addresses starting with its 町名."""
        result = validate(page, raw, self.today)
        if not (isinstance(result, Valid) and page.in_municipality and self.area.known):
            return result
        value = result.value
        city = self.area.city_names()[0]
        if page.type is FieldType.POSTAL_CODE and isinstance(value, dict):
            code = value["code"]
            if not self.area.has_postal_code(code):
                # Where the code is (東京都千代田区), for the page that leads the resident on.
                places = (f"{c['prefecture']}{c['city']}" for c in value["candidates"])
                where = "・".join(dict.fromkeys(places))
                values = (("code", f"{code[:3]}-{code[3:]}"), ("city", city), ("where", where))
                return Invalid("postal_code_outside", values)
            inside = [c for c in value["candidates"] if self.area.holds(c)]
            value = {**value, "candidates": inside}
            if "chosen" in value and not self.area.holds(value["chosen"]):
                del value["chosen"]
            return Valid(value)
        outside = isinstance(value, str) and not self.area.contains(value)
        if page.type is FieldType.ADDRESS and outside:
            return Invalid("address_outside", (("city", city),))
        return result

    def carried_answers(self) -> dict[str, Any]:
        """Who the resident said they are (name, kana, birth date, phone), for the procedure
        that an address outside the municipality leads to: where they live is its own
        question there (転居's new address is not 転出's address now)."""
        return {
            key: value
            for key, value in self._shared.items()
            if SharedAnswer(key) in PERSONAL_ANSWERS
        }

    @property
    def outside(self) -> tuple[Page, str] | None:
        """A card address found outside the municipality on an in-city page, and that page
        (its `outside` names the procedure to file instead); None when there is none."""
        return self._outside

    # -- where we are ----------------------------------------------------------------------

    def applies(self, page: Page, view: Mapping[str, Any] | None = None) -> bool:
        """Whether the page's condition holds (over `view`, the answers as conditions read
        them, when the caller has it already)."""
        if page.id not in self._by_id:
            return False  # a member since removed
        if page.show_if is None:
            return True
        member = self._members.get(page.id)
        if view is None:
            return page.show_if.holds(self._view(member))
        if member is not None:
            view = {**view, **member_answers(self._answers, member.group, member.number)}
        return page.show_if.holds(view)

    def _view(self, member: Member | None = None) -> dict[str, Any]:
        """What conditions read: every answer, each group as its list of members, and for a
        member's page that member's own answers by the catalog's page ids."""
        view = gathered(self._answers, self.procedure, self._counts)
        if member is not None:
            view.update(member_answers(self._answers, member.group, member.number))
        return view

    def member(self, page_id: str) -> Member | None:
        """The member a page is asked for (「2人目の方」), or None for a page asked once."""
        return self._members.get(page_id)

    def visible_pages(self) -> list[Page]:
        view = self._view()
        return [page for page in self.pages if self.applies(page, view)]

    def _next_to_ask(self, after: str | None) -> str | None:
        """The next page that applies, was not filled in advance and does not follow from
        what is known (such a page is answered here, on the way past it)."""
        ids = [page.id for page in self.pages]
        start = ids.index(after) + 1 if after is not None else 0
        for page in self.pages[start:]:
            if self.applies(page) and page.id not in self._given and not self._derive(page):
                return page.id
        return None

    def _derivation(self, page: Page) -> Any:
        """The answer the page's first applicable derive rule gives, or None. A rule counts
        only when every field it reads is answered: "not 65 or over" says nothing of a
        birth date nobody gave."""
        # Only answers to pages that apply: a birth date kept from the card for a page that
        # does not apply (a proxy's own) is not the birth date the rule means.
        answers = self.answers()
        member = self._members.get(page.id)
        if member is not None:
            answers.update(member_answers(self._answers, member.group, member.number))
        for rule in page.derive:
            read = set(rule.when.fields())
            if read <= answers.keys() and rule.when.holds(answers, self.today):
                result = validate(page, rule.value, self.today)
                if isinstance(result, Valid) and result.value is not None:
                    return result.value
        return None

    def _derive(self, page: Page) -> bool:
        """Answer the page from its derive rules, unless the resident answered it."""
        if page.id in self._answers and page.id not in self._derived:
            return False
        value = self._derivation(page)
        if value is None:
            return False
        self._answers[page.id] = value
        self._derived.add(page.id)
        return True

    def _refresh_derived(self) -> None:
        """After a change: a derived answer follows its reasons, or is asked when they are
        gone (the number of movers went from one to three)."""
        for page_id in list(self._derived):
            value = self._derivation(self._by_id[page_id])
            if value is None:
                self._answers.pop(page_id, None)
                self._derived.discard(page_id)
            else:
                self._answers[page_id] = value

    @property
    def page(self) -> Page:
        if self.step is not Step.QUESTION:
            raise RuntimeError("no question page on the review step")
        return self._by_id[self._current]

    @property
    def progress(self) -> Progress:
        known = self._given | self._derived
        asked = [page.id for page in self.visible_pages() if page.id not in known]
        total = max(len(asked), 1)
        if self.step is Step.REVIEW or self._current not in asked:
            return Progress(total, total)
        return Progress(asked.index(self._current) + 1, total)

    def answer_for(self, page_id: str) -> Any:
        return self._answers.get(page_id)

    def address_so_far(self, page_id: str) -> dict[str, Any] | None:
        """What an address page continues: the postal-code answer (with its chosen town) of
        the page right before it, so the page shows the town and asks only for the 番地 and
        building. None for any other page, or when no town was chosen there."""
        page = self._by_id[page_id]
        if page.type is not FieldType.ADDRESS:
            return None
        asked = self.visible_pages()
        index = asked.index(page) if page in asked else 0
        before = asked[index - 1] if index > 0 else None
        if before is None or before.type is not FieldType.POSTAL_CODE:
            return None
        value = self._answers.get(before.id)
        return value if isinstance(value, dict) and value.get("chosen") else None

    def was_given(self, page_id: str) -> bool:
        return page_id in self._given

    def was_derived(self, page_id: str) -> bool:
        return page_id in self._derived

    def answers(self) -> dict[str, Any]:
        """The answers that apply, in page order, as they will be sealed: a group's answer
        is the list of its members' answers (core.members)."""
        flat = {p.id: self._answers[p.id] for p in self.visible_pages() if p.id in self._answers}
        return gathered(flat, self.procedure, self._counts)

    def members(self, group_id: str) -> int:
        return self._counts[group_id]

    @property
    def applicant(self) -> Applicant:
        return Applicant(self._answers.get(APPLICANT_PAGE, self.procedure.applicants[0]))

    # -- moving ----------------------------------------------------------------------------

    def submit(self, raw: object) -> FieldResult:
        """Validate the answer to the current page; on success move on (or back to review)."""
        page = self.page
        result = self._checked(page, raw)
        if not isinstance(result, Valid):
            return result
        group = self._more.get(page.id)
        if group is not None and result.value is True:
            return self._add_after(page.id, group, result)
        if group is not None:
            self._no_more_after(group)
        if result.value is None:
            self._answers.pop(page.id, None)
        else:
            self._answers[page.id] = result.value
        self._given.discard(page.id)  # the resident has now answered it themselves
        self._derived.discard(page.id)
        self._copied.discard(page.id)
        self._fill_first_members()
        if page.shared and result.value is not None:
            self._shared[page.shared] = result.value
        self._drop_irrelevant()
        self._refresh_derived()
        self._history.append(page.id)
        following = self._next_unanswered() if self._returning_to_review else None
        if self._returning_to_review and following is None:
            self._returning_to_review = False
            self.step = Step.REVIEW
            return result
        nxt = following or self._next_to_ask(after=page.id)
        if nxt is None:
            self.step = Step.REVIEW
        else:
            self._current = nxt
        return result

    def _resume_from_review(self) -> None:
        """After a change made from review: a page it made necessary, else review again."""
        following = self._next_unanswered()
        self._returning_to_review = following is not None
        self.step = Step.REVIEW if following is None else Step.QUESTION
        if following is not None:
            self._current = following

    def _next_unanswered(self) -> str | None:
        """After a change from review: a page the change made relevant and nobody answered
        (unless it now follows from the other answers)."""
        for page in self.visible_pages():
            if page.required and page.id not in self._answers and not self._derive(page):
                return page.id
        return None

    def _drop_irrelevant(self) -> None:
        # Dropping one answer can hide further pages, so repeat until nothing changes.
        while True:
            hidden = [
                pid
                for pid in self._answers
                if pid not in self._by_id or not self.applies(self._by_id[pid])
            ]
            if not hidden:
                return
            for page_id in hidden:
                del self._answers[page_id]
                self._given.discard(page_id)
                self._derived.discard(page_id)

    def can_go_back(self) -> bool:
        return bool(self._history)

    def back(self) -> None:
        """Return to the previous page; the answers given so far are kept."""
        while self._history:
            candidate = self._history.pop()
            group = self._more.get(candidate) or self._added_from(candidate)
            if group is not None:
                self._undo_empty_member(group)
            if candidate in self._by_id and self.applies(self._by_id[candidate]):
                self._current = candidate
                break
        self._returning_to_review = False
        self.step = Step.QUESTION

    def change(self, page_id: str) -> None:
        """From review, revisit one page; submitting it returns to review (via any page the
        change made necessary)."""
        if page_id not in self._by_id or not self.applies(self._by_id[page_id]):
            raise KeyError(f"no page {page_id!r} to change")
        self._current = page_id
        self._returning_to_review = True
        self.step = Step.QUESTION

    def is_complete(self) -> bool:
        return all(page.id in self._answers for page in self.visible_pages() if page.required)

    # -- for review, receipt and staff --------------------------------------------------------

    def summary(self) -> list[ReviewItem]:
        """Every page that applies, with its answer, for the review page (確認)."""
        return [
            ReviewItem(
                page,
                self._answers.get(page.id),
                page.id in self._given,
                page.id in self._derived,
                self._members.get(page.id),
            )
            for page in self.visible_pages()
            if page.id not in self._more
        ]

    def fee_units(self) -> int:
        """How many units are due in all: copies, items …; one when nothing counts them."""
        return unit_count(self.procedure, self.answers())

    def fee_breakdown(self, fees: Mapping[str, Any]) -> FeeBreakdown | None:
        """The fee lines and total for these answers, by the municipality's table (core.fees)."""
        return fee_breakdown(self.procedure, self.answers(), fees)

    def documents(self) -> list[LocalizedText]:
        """What to bring, for these answers; a proxy always brings a power of attorney."""
        texts = [
            doc.text
            for doc in self.procedure.bring
            if doc.show_if is None or doc.show_if.holds(self._view())
        ]
        if self.applicant is Applicant.PROXY:
            texts.insert(0, self.ui.entry("bring_power_of_attorney"))
        return texts

    def wipe(self) -> None:
        """Forget every answer (idle timeout, start over, after finalize)."""
        self._outside = None
        self._answers.clear()
        self._given.clear()
        self._derived.clear()
        self._history.clear()
        self._returning_to_review = False
        self._counts = {group.id: group.minimum for group in self.procedure.groups}
        self._lay_out()
        self._current = self.pages[0].id
        self.step = Step.QUESTION


from core.visit import Visit  # noqa: E402, F401  (re-exported: one procedure after another)
