"""The sync protocol's wire models, imported by both the kiosk and the backend (one module).

Versioned by the URL prefix. Only non-personal metadata travels in clear; the answers travel
as the sealed envelope the kiosk stored, which only the municipality's private key opens.

Kiosk API (bearer token of one kiosk):
  POST {BATCH_PATH}         SubmissionBatch → BatchReceipt (200; one result per application: a
                            malformed application is rejected alone, naming its field)
  POST {APPLICATIONS_PATH}  one SubmittedApplication with the Idempotency-Key header
                            → SubmissionReceipt (201 created, 200 duplicate, 422 same key with
                            a different body). Kept for simple clients and as the bench baseline.
  GET  {CATALOG_PATH}       CatalogBundle with an ETag; If-None-Match → 304
  POST {HEARTBEAT_PATH}     Heartbeat → HeartbeatReply
  GET  {HEALTH_PATH}        Health (no token; 503 when the database cannot be written)
  PUT  {RECEIPT_KEY_PATH}   ReceiptKeyRegistration → ReceiptKeyReply: the kiosk's public key
                            for sealed receipt QR codes (idempotent; bound to the token used)
  POST {ENROLL_PATH}        core.enrollment.EnrollmentRequest → EnrollmentReply (no token:
                            a one-time code; the reply carries the kiosk's new token)
Staff API (a staff token): under {STAFF_PREFIX}, see backend/staff_api.py.

An application is identified by its kiosk and its id together: the id is a UUID the kiosk
made, and a kiosk cannot claim (or learn about) another kiosk's ids.

Every field is bounded (type, range, length, character set), here, once, for both sides: the
kiosk cannot build what the backend would refuse, and the backend refuses anything else with
a 422 naming the field, so that no input reaches the database or a reply unchecked.

Every reply that a kiosk acts on carries the server's clock (server_time), so the kiosk can
measure its own clock skew without trusting its local clock.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from core.pushed_settings import PushedSettings

API_PREFIX = "/api/v1"
APPLICATIONS_PATH = f"{API_PREFIX}/applications"
BATCH_PATH = f"{API_PREFIX}/applications/batch"
CATALOG_PATH = f"{API_PREFIX}/catalog"
HEARTBEAT_PATH = f"{API_PREFIX}/heartbeat"
HEALTH_PATH = f"{API_PREFIX}/health"
RECEIPT_KEY_PATH = f"{API_PREFIX}/receipt-key"
# No token: a one-time enrollment code buys one (core/enrollment.py has the models).
ENROLL_PATH = f"{API_PREFIX}/enroll"
STAFF_PREFIX = f"{API_PREFIX}/staff"
IDEMPOTENCY_HEADER = "Idempotency-Key"

# A batch larger than this is refused whole (413): it bounds the server's work per request.
MAX_BATCH = 200
# Alerts in one heartbeat (the kiosk sends the rest with the next one).
MAX_ALERTS = 100
MAX_DEVICES = 32
MAX_DETAIL_CHARS = 200
# A sealed envelope: base64 of the answers of the longest procedure is a few kilobytes.
MAX_SEALED_CHARS = 65_536
# The opened answers: the catalog allows text fields of up to 2,000 characters.
MAX_ANSWERS = 500
MAX_ANSWER_CHARS = 4_000
MAX_ANSWER_ITEMS = 200
MAX_ANSWER_DEPTH = 4
# A repeated group's answer (each person who moved …): a list of objects, one per member, at
# most a group's largest maximum (core.catalog_pages.Group), each object a page id → answer.
MAX_GROUP_MEMBERS = 20
MAX_ANSWER_INTEGER = 2**53  # what every JSON reader (a spreadsheet's too) keeps exactly
# Whole numbers are stored in 32-bit INTEGER columns (PostgreSQL's INTEGER is 32-bit).
MAX_INT32 = 2**31 - 1
# A moment a kiosk reports: a kiosk whose clock battery died says 1970; nothing real is before
# it or far after. Bounded also because converting year 1 with an offset to UTC overflows.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Identifiers, as the kiosk's configuration and the catalog define them.
APPLICATION_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
KIOSK_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
RECEPTION_NUMBER_PATTERN = r"^[A-Z]-[0-9]{3,6}$"
PROCEDURE_ID_PATTERN = r"^[a-z0-9_]{1,40}$"

# Characters no single-line text field may hold: controls (NUL, escape sequences, CR, LF),
# format marks, line/paragraph separators and lone surrogates (which cannot even be written
# as UTF-8, so they would fail in the database or in the reply).
_NOT_IN_A_LINE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Answers may hold line breaks (free text), nothing else of those.
_NOT_IN_AN_ANSWER = frozenset({"Cc", "Cs"})


def _without(categories: frozenset[str], allowed: str = ""):
    def check(text: str) -> str:
        for character in text:
            if unicodedata.category(character) in categories and character not in allowed:
                # The code point only: the message must not repeat what was sent.
                raise ValueError(f"character U+{ord(character):04X} is not allowed here")
        return text

    return check


_one_line = _without(_NOT_IN_A_LINE)
_answer_text = _without(_NOT_IN_AN_ANSWER, allowed="\n")


def _plausible(moment: datetime) -> datetime:
    # Compared, not converted: comparing aware moments cannot overflow, converting can.
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"must lie between {EARLIEST.year} and {LATEST.year}")
    return moment


def line(max_chars: int, min_chars: int = 0) -> Any:
    """A single line of text of at most max_chars characters."""
    return Annotated[
        str, Field(min_length=min_chars, max_length=max_chars), AfterValidator(_one_line)
    ]


DetailText = line(MAX_DETAIL_CHARS)
# The lengths repeat what the patterns allow: checked first (a 5 MB string is refused before
# a pattern looks at it), and backend/limits.py sizes request bodies from them.
ApplicationId = Annotated[str, Field(max_length=36, pattern=APPLICATION_ID_PATTERN)]
KioskId = Annotated[str, Field(max_length=32, pattern=KIOSK_ID_PATTERN)]
ReceptionNumberText = Annotated[str, Field(max_length=8, pattern=RECEPTION_NUMBER_PATTERN)]
ProcedureId = Annotated[str, Field(max_length=40, pattern=PROCEDURE_ID_PATTERN)]
Count = Annotated[int, Field(ge=0, le=MAX_INT32)]
Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


def _answer_value(value: Any, depth: int = 1) -> None:
    """A JSON value an answer can be: bounded in size and depth, and writable as UTF-8."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_ANSWER_INTEGER:
            raise ValueError("a number in the answers is too large")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a number in the answers is not finite")
    elif isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise ValueError(f"an answer is longer than {MAX_ANSWER_CHARS} characters")
        _answer_text(value)
    elif isinstance(value, list | dict):
        if depth >= MAX_ANSWER_DEPTH:
            raise ValueError(f"answers are nested deeper than {MAX_ANSWER_DEPTH} levels")
        if len(value) > MAX_ANSWER_ITEMS:
            raise ValueError(f"an answer holds more than {MAX_ANSWER_ITEMS} items")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _key(key)
            _answer_value(item, depth + 1)
    else:
        raise ValueError(f"an answer cannot be a {type(value).__name__}")


def _key(key: str) -> str:
    if not 1 <= len(key) <= 64:
        raise ValueError("a key in the answers must have 1 to 64 characters")
    return _one_line(key)


def _answers(answers: dict[str, Any]) -> dict[str, Any]:
    for key, value in answers.items():
        _key(key)
        _answer_value(value)
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            _members(value)
    return answers


def _members(members: list[Any]) -> None:
    """A group's answer: only objects, no more of them than a group may have."""
    if len(members) > MAX_GROUP_MEMBERS:
        raise ValueError(f"a group's answer holds more than {MAX_GROUP_MEMBERS} members")
    if not all(isinstance(member, dict) for member in members):
        raise ValueError("a group's answer is a list of objects, one per member")


Answers = Annotated[dict[str, Any], Field(max_length=MAX_ANSWERS), AfterValidator(_answers)]


class FieldError(BaseModel):
    """One problem with a request, in FastAPI's shape (loc names the field)."""

    loc: list[str | int]
    msg: str
    type: str


class SubmittedApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ApplicationId = Field(description="UUID made by the kiosk; also the idempotency key")
    kiosk_id: KioskId
    reception_number: ReceptionNumberText
    procedure_id: ProcedureId
    procedure_version: Annotated[int, Field(ge=1, le=MAX_INT32)]
    created_at: Moment
    # The envelope is JSON of base64 strings: printable ASCII only.
    sealed: str = Field(
        min_length=2,
        max_length=MAX_SEALED_CHARS,
        pattern=r"^[\x20-\x7e]+$",
        description="the sealed envelope (JSON text) as stored on the kiosk",
    )


class SealedPayload(BaseModel):
    """What the kiosk seals (kiosk/services.py), as the backend checks it once opened: an
    application's answers, for the procedure (and kiosk) the submission names. Fields added
    by a later kiosk are ignored, not refused."""

    procedure: ProcedureId
    procedure_version: Annotated[int, Field(ge=1, le=MAX_INT32)] | None = None
    kiosk: KioskId | None = None
    answers: Answers


class SubmissionStatus(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # already received earlier with the same body: the kiosk may forget it
    REJECTED = "rejected"  # will be refused again as it is: the kiosk sets it aside (quarantine)


class SubmissionReceipt(BaseModel):
    id: str
    status: SubmissionStatus
    server_time: datetime


class SubmissionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applications: list[SubmittedApplication] = Field(min_length=1, max_length=MAX_BATCH)


class ItemResult(BaseModel):
    id: str = Field(description="the application's id; empty if what was sent had none")
    status: SubmissionStatus
    reason: str | None = Field(None, description="why it was rejected, in plain words")
    errors: list[FieldError] | None = Field(
        None, description="for a malformed application: each field at fault"
    )


class BatchReceipt(BaseModel):
    results: list[ItemResult]
    server_time: datetime


class CatalogBundle(BaseModel):
    """The catalog files a kiosk loads (procedures/*.toml, municipalities/*.toml …) by their
    path relative to the catalog folder. The kiosk validates it exactly like local files."""

    version: str = Field(description="content hash; also the ETag")
    files: dict[str, str]


class StaffAlert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        max_length=64,
        pattern=r"^[a-z0-9_.-]{1,64}$",
        description="e.g. staff_call, printer_paper_out",
    )
    at: Moment = Field(description="the kiosk's clock (the backend keeps no later than its own)")
    detail: DetailText = ""  # a screen or device name, never personal data


DeviceName = Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_.-]{1,40}$")]


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kiosk_id: KioskId
    app_version: str = Field(max_length=64, pattern=r"^[0-9A-Za-z.+_-]{1,64}$")
    catalog_version: str = Field(max_length=128, pattern=r"^[0-9A-Za-z.+_-]{0,128}$")
    queue_depth: Count
    quarantined: Count
    devices: dict[DeviceName, DetailText] = Field(
        default_factory=dict,
        max_length=MAX_DEVICES,
        description="device name → state (ok, paper_near_end, absent …)",
    )
    alerts: list[StaffAlert] = Field(default_factory=list, max_length=MAX_ALERTS)
    sent_at: Moment


class AcknowledgedCall(BaseModel):
    """A staff call of this kiosk that a member of staff acknowledged on the console."""

    called_at: datetime = Field(description="the call's time as the backend keeps it")
    acknowledged_at: datetime


# Marks settings a reply carried that this version refuses (HeartbeatReply._settings_or_none).
_REFUSED_SETTINGS = PushedSettings()


class HeartbeatReply(BaseModel):
    server_time: datetime
    # Staff calls acknowledged lately (repeated for a while: each kiosk shows one once).
    # Optional: a backend before it sends none, a kiosk before it ignores them.
    acknowledged_calls: list[AcknowledgedCall] = Field(default_factory=list, max_length=10)
    # The full set of settings the backend wants this kiosk to use now (fleet-wide merged
    # with its own; an empty set: none). Absent (None): a backend before it; the kiosk keeps
    # what it has.
    settings: PushedSettings | None = None
    # True when the reply carried settings this kiosk's version cannot take (a newer backend
    # widened a bound): they are dropped, the rest of the reply still counts, and the kiosk
    # keeps its last settings and says so in its log.
    settings_refused: bool = Field(False, exclude=True)

    @field_validator("settings", mode="wrap")
    @classmethod
    def _settings_or_none(cls, value: Any, handler: Any) -> PushedSettings | None:
        try:
            return handler(value)
        except ValidationError:
            return _REFUSED_SETTINGS

    def model_post_init(self, context: Any) -> None:
        if self.settings is _REFUSED_SETTINGS:
            object.__setattr__(self, "settings", None)
            object.__setattr__(self, "settings_refused", True)


class ReceiptKeyRegistration(BaseModel):
    """The public half of the kiosk's own key that signs its sealed receipt QR codes
    (core/sealed_receipt.py)."""

    model_config = ConfigDict(extra="forbid")
    kiosk_id: KioskId
    public_key: str = Field(
        min_length=43,
        max_length=43,
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="Ed25519 public key: its 32 raw bytes, urlsafe base64 without padding",
    )


class ReceiptKeyReply(BaseModel):
    registered: bool = Field(description="false: the backend already knew this key")
    server_time: datetime


class Health(BaseModel):
    status: str
    version: str
    server_time: datetime


class StaffStatus(StrEnum):
    """What the back office sets on an application (受付済 / 処理中 / 完了, or 差戻し: sent back
    to the resident, with a reason, e.g. a document missing)."""

    RECEIVED = "受付済"
    IN_PROGRESS = "処理中"
    DONE = "完了"
    RETURNED = "差戻し"
