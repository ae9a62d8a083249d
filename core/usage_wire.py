"""Usage events on the wire (POST USAGE_PATH with the kiosk's token): how residents move through
the kiosk, never who they are or what they answered.

Every field is an identifier from the catalog or the kiosk's own vocabulary (procedure and
page ids, UI message keys, card steps, print outcomes), a small number, or a flag. The patterns
below admit nothing else: no Japanese text, no digits-and-dash reception number (A-012), no
UUID application id could pass as a page id or a detail, so a bug that tried to send one is
refused at the kiosk's own model before it leaves, and at the backend if it did.

A resident's session is named by an opaque random key made on the kiosk, unrelated to any
application. Times are coarse: the session's start to the hour, a page's time to the second.

Idempotent: an event is identified by (kiosk, session, seq); the same batch sent twice (a lost
reply) is counted once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from core.wire import API_PREFIX, EARLIEST, LATEST, KioskId

USAGE_PATH = f"{API_PREFIX}/usage"
# Events in one batch; a kiosk sends the rest in the next. A busy day is a few thousand.
MAX_USAGE_BATCH = 500
# A page shown for longer than this is counted as this long (a kiosk left on a page overnight).
MAX_PAGE_SECONDS = 3600
MAX_SEQ = 100_000

SESSION_KEY_PATTERN = r"^[0-9a-f]{32}$"
# Catalog identifiers (procedures, pages), UI message keys, card steps, print outcomes.
WORD_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[a-z]{2,8})?$"

SessionKey = Annotated[str, Field(pattern=SESSION_KEY_PATTERN, max_length=32)]
Word = Annotated[str, Field(pattern=WORD_PATTERN, max_length=40)]


class UsageKind(StrEnum):
    SESSION_STARTED = "session_started"  # left the home screen: the look carried along
    PROCEDURE_STARTED = "procedure_started"  # detail: how (manual, card, preentry, redirected)
    PAGE_SHOWN = "page_shown"  # sent when left: seconds on it
    VALIDATION_REFUSED = "validation_refused"  # detail: the message key, never the value
    WENT_BACK = "went_back"
    CHANGED_FROM_REVIEW = "changed_from_review"  # page: the one changed
    CARD_USED = "card_used"
    CARD_FAILED = "card_failed"  # detail: the card step (locked, read_failed …)
    PREENTRY_USED = "preentry_used"
    STAFF_CALLED = "staff_called"  # on the page the resident was on (none: outside one)
    IDLE_TIMEOUT = "idle_timeout"
    # Finalized; seconds: from the session's start (or its previous application) to here.
    PROCEDURE_FINISHED = "procedure_finished"
    PROCEDURE_ABANDONED = "procedure_abandoned"  # page: where the resident was lost
    # Sent on to the procedure that fits an address outside the municipality (転居 → 転入):
    # page: whose answer (or "card") was outside; detail: the procedure it led to.
    PROCEDURE_REDIRECTED = "procedure_redirected"
    # Language, text size or contrast changed mid-session: the new ones, on the page it happened.
    LOOK_CHANGED = "look_changed"
    RECEIPT_OUTCOME = "receipt_outcome"  # detail: printed, or the print outcome
    SESSION_ENDED = "session_ended"  # back at the home screen


def _whole_hour(moment: datetime) -> datetime:
    if (moment.minute, moment.second, moment.microsecond) != (0, 0, 0):
        raise ValueError("a session's start is sent to the hour only")
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return moment


SessionHour = Annotated[AwareDatetime, AfterValidator(_whole_hour)]


class UsageEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: SessionKey
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)]
    kind: UsageKind
    hour: SessionHour = Field(description="the session's start, to the hour, kiosk's zone")
    practice: bool = False  # a practice session (スマホ教室): counted apart
    procedure: Word | None = None
    page: Word | None = None
    seconds: Annotated[int, Field(ge=0, le=MAX_PAGE_SECONDS)] | None = None
    detail: Word | None = None
    # Only on session_started (the resident's choices on the home screen) and look_changed.
    language: Annotated[str, Field(pattern=LANGUAGE_PATTERN, max_length=12)] | None = None
    text_size: Word | None = None
    contrast: Word | None = None
    voice: bool | None = None
    profile: Word | None = None


class UsageBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kiosk_id: KioskId
    events: list[UsageEvent] = Field(min_length=1, max_length=MAX_USAGE_BATCH)


class UsageReceipt(BaseModel):
    stored: int = Field(description="events new to the backend")
    duplicates: int = Field(description="events it already had (a batch sent again)")
    server_time: datetime
