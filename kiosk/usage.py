"""Usage events from the resident's way through the kiosk, never personal (core/usage_wire.py).

The Navigator tells the recorder only what it already does: which view it shows, that the
resident went back or changed an answer from the review, that the idle timer ran out, and the
events it reacts to. From those the recorder derives the events the municipality's figures
need: a session from leaving the home screen to returning to it; within it, each procedure
the resident started, the pages shown and how long each, refusals by message key (never the
value), staff calls, the card and QR pre-entry, and how the procedure ended. A procedure that
ends without an application (idle timeout, 最初から, leaving it for the menu or another
procedure) is abandoned, on the page the resident was on; a staff call does not end it. One
sent on from the outside-address page to the procedure that fits (転居 → 転入) is not given
up: it ends as redirected, on the page whose address was outside, and the other one starts.
A finished application carries the seconds from the session's start (or its previous
application) to the finalize, for the figure against the paper form. A language, text size
or contrast changed mid-session is an event of its own with the new choices.

The recorder holds no answer, name, reception number or application id in what it keeps: an
application id lives in memory only until its receipt's outcome is known, to put that outcome
in the right (opaque) session. A session's events are kept in one write when it ends, so a tap
costs no disk write; a kiosk that stops mid-session loses that session's figures, nothing else.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from core.usage_wire import MAX_PAGE_SECONDS, UsageEvent, UsageKind
from kiosk.card_session import CardStep
from kiosk.events import Event, ReceiptFailed, ReceiptPrinted, ScanArrived, StaffCalled
from kiosk.views import (
    AddressSource,
    CardView,
    CompletionView,
    ElsewhereView,
    HomeView,
    QuestionView,
    ReviewView,
    ScanView,
    View,
)

if TYPE_CHECKING:
    from kiosk.services import Services

log = logging.getLogger(__name__)

# The pages of a procedure that are not catalog pages, by the names the figures give them.
REVIEW_PAGE, CARD_PAGE, ELSEWHERE_PAGE = "review", "card", "elsewhere"
# Card steps that mean the card could not be used (the reason category is the step).
CARD_FAILURES = frozenset({CardStep.LOCKED, CardStep.UNKNOWN_CARD, CardStep.READ_FAILED})
PRINTED = "printed"
# Receipts whose outcome is still to come, remembered by application id (in memory only).
PENDING_RECEIPTS = 20


class ResidentChoices(Protocol):
    """What the resident chose on the home screen (the Navigator has these)."""

    language: str
    theme: object
    text_size: object
    voice_on: bool


class HowStarted(StrEnum):
    MANUAL = "manual"
    CARD = "card"  # the My Number Card page came first
    PREENTRY = "preentry"  # a QR code from the resident's phone
    REDIRECTED = "redirected"  # sent on from another procedure (an address outside the city)


Look = tuple[str, str, str]  # language, text size, contrast


def look_of(choices: ResidentChoices) -> Look:
    return choices.language, str(choices.text_size), str(choices.theme)


@dataclass
class _Session:
    key: str
    hour: datetime
    practice: bool
    look: Look
    since: float  # the session's start, then its last application's finalize (monotonic)
    events: list[UsageEvent] = field(default_factory=list)
    seq: int = 0


@dataclass
class _Attempt:
    procedure: str
    page: str | None = None
    page_since: float = 0.0
    card_step: CardStep | None = None
    card_notice: str | None = None


class UsageRecorder:
    def __init__(
        self,
        keep: Callable[[list[UsageEvent]], None],
        *,
        practice: Callable[[], bool] = lambda: False,
        profile: str = "kiosk",
        voice_available: bool = False,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now().astimezone(),
        new_key: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        """keep: stores a session's events (the kiosk's database); now: the clock page times
        are measured on (the Navigator's idle clock); wall: for the session's hour."""
        self._keep = keep
        self._practice = practice
        self._profile = profile
        self._voice_available = voice_available
        self._now = now
        self._wall = wall
        self._new_key = new_key
        self._session: _Session | None = None
        self._attempt: _Attempt | None = None
        self._last_view: View | None = None
        self._preentry = False  # a scanned code is about to start a procedure
        self._timed_out = False
        self._receipts: OrderedDict[str, _Session] = OrderedDict()

    @classmethod
    def for_services(cls, services: Services, now: Callable[[], float]) -> UsageRecorder:
        """Kept in the kiosk's database, sent by the sync worker."""
        return cls(
            services.store.keep_usage,
            practice=lambda: services.practice,
            profile=str(services.settings.profile),
            voice_available=services.voice is not None,
            now=now,
        )

    # -- what the Navigator tells ------------------------------------------------------------

    def shown(self, view: View, choices: ResidentChoices) -> None:
        """The Navigator shows this view now (a new one, or the same one rendered again)."""
        try:
            self._follow(view, choices)
        except Exception:  # the figures must never stand in a resident's way
            log.exception("usage: a view could not be followed")
        self._last_view = view

    def went_back(self) -> None:
        self._add_on_page(UsageKind.WENT_BACK)

    def changed_from_review(self, page_id: str) -> None:
        if self._attempt is not None:
            self._add(UsageKind.CHANGED_FROM_REVIEW, self._attempt.procedure, page_id)

    def timed_out(self) -> None:
        """The idle timer ran out: the session ends next, the procedure abandoned."""
        self._add_on_page(UsageKind.IDLE_TIMEOUT)
        self._timed_out = True

    def saw(self, event: Event) -> None:
        """An event the Navigator reacts to (on the GUI thread, like everything here)."""
        if isinstance(event, StaffCalled):
            self._add_on_page(UsageKind.STAFF_CALLED)
        elif isinstance(event, ScanArrived) and self._session is not None:
            self._preentry = True
            self._add(UsageKind.PREENTRY_USED, event.procedure_id)
        elif isinstance(event, ReceiptPrinted | ReceiptFailed):
            self._receipt(event)

    # -- deriving events from views ----------------------------------------------------------

    def _follow(self, view: View, choices: ResidentChoices) -> None:
        if isinstance(view, HomeView):
            self._end_session()
            return
        if self._session is None:
            self._start_session(choices)
        elif look_of(choices) != self._session.look:
            self._look_changed(look_of(choices))
        if isinstance(view, CompletionView):
            self._finished(view)
            return
        where = procedure_page(view)
        if where is None:  # the menu, 手続きナビ, the scan page: outside any procedure
            self._abandon()
            return
        procedure, page = where
        attempt = self._attempt
        if attempt is None or attempt.procedure != procedure:
            redirected = self._redirected_from(procedure)
            if redirected is not None:
                self._redirect(redirected, procedure)
            else:
                self._abandon()
            attempt = self._start_procedure(procedure, view, redirected is not None)
        if attempt.page != page:
            self._leave_page()
            attempt.page, attempt.page_since = page, self._now()
        elif isinstance(view, QuestionView) and view.error is not None:
            self._add(UsageKind.VALIDATION_REFUSED, procedure, page, detail=view.error.key)
        if isinstance(view, CardView):
            self._card(view)

    def _start_session(self, choices: ResidentChoices) -> None:
        wall = self._wall()
        hour = wall.replace(minute=0, second=0, microsecond=0)
        look = look_of(choices)
        self._session = _Session(self._new_key(), hour, bool(self._practice()), look, self._now())
        self._timed_out = False
        self._add(
            UsageKind.SESSION_STARTED,
            language=choices.language,
            text_size=str(choices.text_size),
            contrast=str(choices.theme),
            voice=choices.voice_on if self._voice_available else None,
            profile=self._profile,
        )

    def _look_changed(self, look: Look) -> None:
        assert self._session is not None
        self._session.look = look
        attempt = self._attempt
        language, text_size, contrast = look
        self._add(
            UsageKind.LOOK_CHANGED,
            attempt.procedure if attempt else None,
            attempt.page if attempt else None,
            language=language,
            text_size=text_size,
            contrast=contrast,
        )

    def _redirected_from(self, procedure: str) -> str | None:
        """The page whose address led from the current procedure to `procedure` on the
        outside-address page (the card: "card"); None when this is no such step."""
        last, attempt = self._last_view, self._attempt
        if not isinstance(last, ElsewhereView) or attempt is None or last.other is None:
            return None
        if last.other.id != procedure or last.procedure.id != attempt.procedure:
            return None
        return last.page.id if last.source is AddressSource.TYPED else CARD_PAGE

    def _redirect(self, page: str, to: str) -> None:
        attempt = self._attempt
        assert attempt is not None
        self._leave_page()
        self._add(UsageKind.PROCEDURE_REDIRECTED, attempt.procedure, page, detail=to)
        self._attempt = None

    def _start_procedure(self, procedure: str, view: View, redirected: bool) -> _Attempt:
        if redirected:
            how = HowStarted.REDIRECTED
        elif isinstance(view, CardView):
            how = HowStarted.CARD
        elif self._preentry or isinstance(self._last_view, ScanView):
            how = HowStarted.PREENTRY
        else:
            how = HowStarted.MANUAL
        self._preentry = False
        self._attempt = _Attempt(procedure)
        self._add(UsageKind.PROCEDURE_STARTED, procedure, detail=how.value)
        return self._attempt

    def _card(self, view: CardView) -> None:
        attempt = self._attempt
        assert attempt is not None
        step, notice = view.page.step, view.page.notice_key
        if step is not attempt.card_step:
            if step is CardStep.TAKE_CARD:
                self._add(UsageKind.CARD_USED, attempt.procedure, CARD_PAGE)
            elif step in CARD_FAILURES:
                self._add(UsageKind.CARD_FAILED, attempt.procedure, CARD_PAGE, detail=step.value)
        elif notice and notice != attempt.card_notice:  # a wrong PIN, the card moved …
            self._add(UsageKind.CARD_FAILED, attempt.procedure, CARD_PAGE, detail=notice)
        attempt.card_step, attempt.card_notice = step, notice

    def _leave_page(self) -> None:
        attempt = self._attempt
        if attempt is None or attempt.page is None:
            return
        seconds = min(MAX_PAGE_SECONDS, max(0, round(self._now() - attempt.page_since)))
        self._add(UsageKind.PAGE_SHOWN, attempt.procedure, attempt.page, seconds=seconds)
        attempt.page = None

    def _finished(self, view: CompletionView) -> None:
        attempt = self._attempt
        if attempt is None:
            return  # the same completion rendered again (print status, language)
        self._leave_page()
        session = self._session
        assert session is not None
        now = self._now()
        seconds = min(MAX_PAGE_SECONDS, max(0, round(now - session.since)))
        self._add(UsageKind.PROCEDURE_FINISHED, attempt.procedure, seconds=seconds)
        session.since = now
        self._attempt = None
        self._receipts[view.application.id] = self._session
        while len(self._receipts) > PENDING_RECEIPTS:
            self._receipts.popitem(last=False)

    def _abandon(self) -> None:
        attempt = self._attempt
        if attempt is None:
            return
        page = attempt.page
        self._leave_page()
        self._add(UsageKind.PROCEDURE_ABANDONED, attempt.procedure, page)
        self._attempt = None

    def _end_session(self) -> None:
        session = self._session
        if session is None:
            return
        self._abandon()
        self._add(UsageKind.SESSION_ENDED, detail="idle" if self._timed_out else "home")
        self._session, self._timed_out, self._preentry = None, False, False
        self._store(session.events)
        session.events = []

    def _receipt(self, event: ReceiptPrinted | ReceiptFailed) -> None:
        session = self._receipts.pop(event.application_id, None)
        if session is None:
            return  # a reprint, or a receipt from before this recorder
        outcome = PRINTED if isinstance(event, ReceiptPrinted) else event.outcome
        late = session is not self._session
        self._add(UsageKind.RECEIPT_OUTCOME, detail=outcome, session=session)
        if late:  # the resident had gone already: this event is kept on its own
            self._store(session.events)
            session.events = []

    # -- events ------------------------------------------------------------------------------

    def _add_on_page(self, kind: UsageKind) -> None:
        attempt = self._attempt
        if attempt is not None:
            self._add(kind, attempt.procedure, attempt.page)
        else:
            self._add(kind)

    def _add(
        self,
        kind: UsageKind,
        procedure: str | None = None,
        page: str | None = None,
        *,
        session: _Session | None = None,
        **values: object,
    ) -> None:
        session = session or self._session
        if session is None:
            return
        try:
            event = UsageEvent(
                session=session.key,
                seq=session.seq,
                kind=kind,
                hour=session.hour,
                practice=session.practice,
                procedure=procedure,
                page=page,
                **values,
            )
        except ValidationError as error:
            # Only identifiers pass the model: anything else is left out, and said so.
            log.error("usage: %s left out (%d fields not identifiers)", kind, error.error_count())
            return
        session.seq += 1
        session.events.append(event)

    def _store(self, events: list[UsageEvent]) -> None:
        if not events:
            return
        try:
            self._keep(events)
        except Exception:  # a full disk costs figures, never the resident's session
            log.exception("usage: %d events could not be kept", len(events))


def procedure_page(view: View) -> tuple[str, str] | None:
    """(procedure id, page id) of a page within a procedure; None outside one."""
    if isinstance(view, QuestionView):
        # A repeated group's member page ("mover_name#2"): counted as its catalog page.
        return view.procedure.id, view.page.id.partition("#")[0]
    if isinstance(view, ReviewView):
        return view.procedure.id, REVIEW_PAGE
    if isinstance(view, CardView):
        return view.procedure.id, CARD_PAGE
    if isinstance(view, ElsewhereView):
        return view.procedure.id, ELSEWHERE_PAGE
    return None
