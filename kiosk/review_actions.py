"""What the review page (確認) can do besides submitting: change one answer, or add and
remove a member of a repeated group (each person who moved, each child, each item).

Qt-free, split from kiosk.navigator: the review screen (screens/review.py) asks for all three
through its one change_requested signal, a member action as an id no catalog page can have
("movers#add", "movers#remove#2": '#' is not in an Identifier), so the window needs no new
wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.catalog_pages import MEMBER_MARK
from kiosk.views import Message, ReviewView

if TYPE_CHECKING:
    from core.flow import ResidentSession
    from kiosk.usage import UsageRecorder

ADD = "add"
REMOVE = "remove"


def add_action(group_id: str) -> str:
    return f"{group_id}{MEMBER_MARK}{ADD}"


def remove_action(group_id: str, number: int) -> str:
    return f"{group_id}{MEMBER_MARK}{REMOVE}{MEMBER_MARK}{number}"


def review_view(session: ResidentSession, error: Message | None = None) -> ReviewView:
    return ReviewView(session.procedure, tuple(session.summary()), error)


def change_from_review(session: ResidentSession, action: str, usage: UsageRecorder) -> None:
    """A change asked from the review: a member added (its pages are asked next) or removed
    (the review again), else one page revisited. An unknown action changes nothing."""
    group_id, _, rest = action.partition(MEMBER_MARK)
    group = session.procedure.group(group_id) if rest else None
    if group is None:
        usage.changed_from_review(action.partition(MEMBER_MARK)[0])  # figures: the catalog's page
        session.change(action)
        return
    kind, _, number = rest.partition(MEMBER_MARK)
    try:
        if kind == ADD and not number:
            session.add_member(group.id)
        elif kind == REMOVE and number.isascii() and number.isdigit():
            session.remove_member(group.id, int(number))
    except KeyError:
        pass  # past the group's minimum or maximum: the review offered no such button
