"""What each resident screen shows, as typed, Qt-free values: the navigator (kiosk.navigator)
makes one current, and the window renders it on the widget its `screen` names.

A view holds domain objects and UI text keys, never translated text: the window renders it
in the resident's language, so a language switch is only a re-render of the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, ClassVar

from core.catalog import Category, Page, Procedure
from core.flow import Progress, ReviewItem
from core.i18n import LocalizedText
from core.life_events import EventQuestion, LifeEvent, PlannedStep
from core.reception import FinalizedApplication
from kiosk.events import CardPageChanged
from kiosk.phone_entry import PhoneReviewItem
from kiosk.services import CompletionInfo


class Screen(Enum):
    HOME = auto()
    MENU = auto()
    QUESTION = auto()
    REVIEW = auto()
    COMPLETION = auto()
    SCAN = auto()
    CARD = auto()
    LIFE_EVENT = auto()
    ELSEWHERE = auto()


@dataclass(frozen=True)
class Message:
    """A UI text key and the values it is formatted with."""

    key: str
    values: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class HomeView:
    screen: ClassVar[Screen] = Screen.HOME
    municipality_name: LocalizedText
    opening_hours: LocalizedText
    accepting: bool  # False: no sealing key, so residents are asked to call staff
    can_scan: bool  # a scanner is there for phone pre-entry
    voice: bool | None  # None: no voice engine installed, the option is hidden


@dataclass(frozen=True)
class MenuView:
    """The categories (category is None) or one category's procedures."""

    screen: ClassVar[Screen] = Screen.MENU
    categories: tuple[Category, ...] = ()
    category: Category | None = None
    procedures: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class QuestionView:
    screen: ClassVar[Screen] = Screen.QUESTION
    procedure: Procedure
    page: Page
    answer: Any  # what the input shows first: the stored answer, or one not yet submitted
    progress: Progress
    error: Message | None = None
    # An address page's postal code and town, chosen on the page before (shown above it).
    address_so_far: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReviewView:
    screen: ClassVar[Screen] = Screen.REVIEW
    procedure: Procedure
    items: tuple[ReviewItem, ...]
    error: Message | None = None

    @property
    def card_check(self) -> bool:
        """マイナンバーカードで確認する is offered: a phone's answers the card can check."""
        return any(isinstance(item, PhoneReviewItem) and item.card_can_check for item in self.items)


@dataclass(frozen=True)
class CompletionView:
    screen: ClassVar[Screen] = Screen.COMPLETION
    application: FinalizedApplication
    info: CompletionInfo
    print_status: str  # UI text key: printing, printed, or what went wrong
    more_to_come: bool  # a visit has another procedure: "next" instead of "finish"
    # The visit's next procedure (つぎは「児童手当」), and whether the answers just given added
    # it to the day's list.
    coming: Procedure | None = None
    coming_added: bool = False


@dataclass(frozen=True)
class ScanView:
    screen: ClassVar[Screen] = Screen.SCAN
    problem: str | None = None  # UI text key of why the last code could not be used
    # The demo (a simulated scanner): the sample code's procedure, offered to be "scanned".
    sample: Procedure | None = None


@dataclass(frozen=True)
class CardView:
    screen: ClassVar[Screen] = Screen.CARD
    procedure: Procedure
    page: CardPageChanged
    demo_pin: str | None  # the simulated card's PIN, shown only in the demo
    demo_card_present: bool | None  # None: a real reader
    can_scan: bool
    reader_position: str = "right"  # the municipality's card_reader_position


class AddressSource(Enum):
    CARD = auto()  # read from the My Number Card
    TYPED = auto()  # entered on an in-city page


@dataclass(frozen=True)
class ElsewhereView:
    """An address outside the municipality on a page for addresses within it (転居's previous
    or new address, 転出's address now, a collection place): in plain words why this
    procedure does not fit, and the one to file instead (転入, 転出) where there is one."""

    screen: ClassVar[Screen] = Screen.ELSEWHERE
    procedure: Procedure  # the one chosen
    other: Procedure | None  # the one that fits the address; None: none at this kiosk
    address: str  # the card's address, or the one entered (〒100-0001 東京都千代田区)
    city: str  # the municipality's ground, as the postal data names it (札幌市中央区)
    page: Page  # the in-city page: its outside_note says what to do
    source: AddressSource = AddressSource.CARD


class NaviMode(Enum):
    EVENTS = auto()  # what happened?
    QUESTION = auto()  # one yes/no question about it
    PLAN = auto()  # today's list


@dataclass(frozen=True)
class LifeEventView:
    screen: ClassVar[Screen] = Screen.LIFE_EVENT
    mode: NaviMode
    events: tuple[LifeEvent, ...] = ()
    event: LifeEvent | None = None
    question: EventQuestion | None = None
    plan: tuple[PlannedStep, ...] = ()


View = (
    HomeView
    | MenuView
    | QuestionView
    | ReviewView
    | CompletionView
    | ScanView
    | CardView
    | LifeEventView
    | ElsewhereView
)


class EventReaction(Enum):
    """What the window does after an event: nothing, re-render, or also tell of a problem."""

    IGNORED = auto()
    RENDER = auto()
    PRINT_PROBLEM = auto()  # render, and open the device-problem overlay
    STAFF_COMING = auto()  # a staff call was acknowledged: tell the resident (staff_coming)


@dataclass(frozen=True)
class IdleCheck:
    """What the idle warning shows after a check: nothing, a countdown, or expiry."""

    warning_seconds: int | None = None
    expired: bool = False
