"""A phone's pre-entry at the kiosk, checked against the My Number Card: the card goes first.

A scanned pre-entry code (docs/PREENTRY.md) starts a PhoneEntrySession: the phone's answers,
validated like typed ones. Where the procedure has pages the card fills (name, birth date,
address, sex), its review offers マイナンバーカードで確認する. After the card is read, the card's
items replace the phone's on those pages, and each page where the two differed keeps the
phone's value beside the card's, so the review shows in plain words what changed. Everything
here lives in the session, so wiping the session forgets it. The Navigator opens the card page
(check_with_card), and on the way out of it asks resumed / review_again whether it was this
check; kiosk.event_reactions hands the card's items to with_card.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.catalog import Applicant, CardField
from core.catalog_pages import member_page_id
from core.flow import ResidentSession, ReviewItem

if TYPE_CHECKING:
    from kiosk.navigator import Navigator
    from kiosk.views import View


@dataclass(frozen=True)
class PhoneReviewItem(ReviewItem):
    """A review row of a phone's session: the phone's own value where the card differed."""

    card_can_check: bool = False  # the phone's answer on a page the card fills, not yet read
    phone_value: Any = None  # after the card: what the phone said, where the card differs


class PhoneEntrySession(ResidentSession):
    """The session a pre-entry code started. card_check: the kiosk can read the card for this
    procedure (a reader is configured and the procedure has pages the card fills)."""

    def __init__(self, *args: Any, card_check: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.card_check = card_check
        self.checking = False  # on the card page, opened from this session's review
        self.checked = False  # the card was read: its items are in, nothing more to check
        self.phone_values: dict[str, Any] = {}  # page id → the phone's value the card replaced

    def card_pages(self) -> set[str]:
        """The pages the card fills: the procedure's, and the first member's of a group
        (the card's holder, when not a proxy applies)."""
        return set(self.procedure.prefill.values()) | first_member_pages(self, set(CardField))

    def summary(self) -> list[ReviewItem]:
        checkable = self.card_check and not self.checked
        pages = self.card_pages()
        return [
            PhoneReviewItem(
                item.page,
                item.value,
                item.from_card_or_visit,
                item.derived,
                card_can_check=checkable and item.page.id in pages and item.value is not None,
                phone_value=self.phone_values.get(item.page.id),
                member=item.member,  # a repeated group's member: its heading on the review
            )
            for item in super().summary()
        ]

    def wipe(self) -> None:
        super().wipe()
        self.phone_values.clear()
        self.checking = False


def same(a: object, b: object) -> bool:
    """Equal as the resident reads them: full- and half-width forms and spaces aside
    (２丁目 and 2丁目 are the same address; 𠮷 and 吉, 髙 and 高 are not the same name)."""
    if isinstance(a, str) and isinstance(b, str):
        return _plain(a) == _plain(b)
    return a == b


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def with_card(
    session: ResidentSession | None, card: Mapping[CardField, Any] | None
) -> PhoneEntrySession | None:
    """The session after the card was read to check a phone's answers: the card's items on
    the pages it fills, the phone's (and any change made at the kiosk) everywhere else, and
    the phone's value kept wherever the card's differs. None when the card page was not
    opened for such a check; `session` is wiped when a new one replaces it."""
    if not (isinstance(session, PhoneEntrySession) and session.checking):
        return None
    session.checking = False
    if not card:
        return session  # nothing read: the phone's answers stand
    filled = {page_id for field, page_id in session.procedure.prefill.items() if field in card}
    members = first_member_pages(session, set(card))
    kept = {
        page_id: _without_first_members(session, page_id, value, members)
        for page_id, value in session.answers().items()
        if page_id not in filled and not session.was_derived(page_id)
    }
    checked = PhoneEntrySession(
        session.procedure,
        session.ui,
        card=card,
        prefill=kept,
        today=session.today,
        area=session.area,
        card_check=session.card_check,
    )
    checked.checked = True
    for page_id in sorted(filled | members):
        phone, read = session.answer_for(page_id), checked.answer_for(page_id)
        if phone is not None and read is not None and not same(phone, read):
            checked.phone_values[page_id] = phone
    session.wipe()
    return checked


def first_member_pages(session: ResidentSession, read: set[CardField]) -> set[str]:
    """The first member's pages (mover_name#1 …) a card with these items fills, itself or
    through the applicant's pages it fills (first_from); none when a proxy applies, whose card
    is not the first member's."""
    procedure = session.procedure
    if session.applicant is Applicant.PROXY:
        return set()
    by_card = {page_id for field, page_id in procedure.prefill.items() if field in read}
    pages = set()
    for group in procedure.groups:
        pages |= {page_id for field, page_id in group.prefill.items() if field in read}
        pages |= {page_id for page_id, source in group.first_from.items() if source in by_card}
    return {member_page_id(page_id, 1) for page_id in pages}


def _without_first_members(
    session: ResidentSession, answer_id: str, value: Any, members: set[str]
) -> Any:
    """A group's list of members without the first member's answers the card now gives."""
    group = session.procedure.group(answer_id)
    if group is None or not isinstance(value, list) or not value:
        return value
    first = {k: v for k, v in value[0].items() if member_page_id(k, 1) not in members}
    return [first, *value[1:]]


def check_with_card(navigator: Navigator) -> View:
    """マイナンバーカードで確認する on the review of a phone's session: the card page."""
    session = navigator.session
    assert isinstance(session, PhoneEntrySession) and session.card_check
    session.checking = True
    return navigator.open_card(session.procedure.id)


def resumed(session: ResidentSession | None) -> ResidentSession | None:
    """Leaving the card page without a card: the phone's session it was opened from, answers
    as they were (None when the card page was opened any other way)."""
    if isinstance(session, PhoneEntrySession) and session.checking:
        session.checking = False
        return session
    return None


def review_again(navigator: Navigator) -> View | None:
    """もどる on the card page opened to check a phone's answers: its review again."""
    if resumed(navigator.session) is None:
        return None
    return navigator.show_step()
