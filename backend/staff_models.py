"""What the staff API and the staff CLI show: application summaries, one opened application,
and kiosk health. Backend-only (kiosks never see these), so they live here, not in wire.py.

These describe what was stored, so they carry no input bounds (a row received before a bound
existed must still be shown); what staff send (StatusUpdate) is bounded like any input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.wire import StaffStatus

MAX_CHECKED = 100  # a checklist has a dozen lines; more is not a clerk's
MAX_CHECK_KEY = 64  # a key is a kind and 16 hex digits (backend/console/checklist.py)


class ApplicationSummary(BaseModel):
    id: str
    kiosk_id: str
    reception_number: str
    procedure_id: str
    procedure_version: int
    created_at: datetime = Field(description="when the resident finalized it at the kiosk")
    received_at: datetime = Field(description="when the backend first received it")
    staff_status: StaffStatus
    status_changed_at: datetime | None = None
    unsynced: bool = Field(
        False, description="未同期: opened from its sealed receipt QR; its kiosk has not synced it"
    )
    sync_differs: bool = Field(
        False, description="the kiosk's sync brought answers different from its receipt QR's"
    )


class ApplicationPage(BaseModel):
    total: int = Field(description="how many applications match the filters")
    limit: int
    offset: int
    items: list[ApplicationSummary]


class CheckItem(BaseModel):
    key: str = Field(description="send it in StatusUpdate.checked once this line is checked")
    text: str


class ApplicationDetail(ApplicationSummary):
    answers: dict[str, Any] = Field(description="the resident's answers, opened with the key")
    checklist: list[CheckItem] = Field(
        default_factory=list,
        description="the counter's checklist: 完了 needs every line's key in checked",
    )


CheckKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CHECK_KEY)]


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: StaffStatus
    checked: list[CheckKey] = Field(
        default_factory=list,
        max_length=MAX_CHECKED,
        description="the checklist's keys of the lines the member checked (needed for 完了)",
    )


class AlertShown(BaseModel):
    kind: str
    at: datetime = Field(description="the kiosk's time, never later than its arrival")
    detail: str = ""


class KioskHealth(BaseModel):
    kiosk_id: str
    last_seen: datetime = Field(description="when the backend last received a heartbeat")
    sent_at: datetime = Field(description="the kiosk's own clock when it sent it")
    app_version: str
    catalog_version: str
    queue_depth: int
    quarantined: int
    devices: dict[str, str]
    alerts: list[AlertShown] = Field(description="the most recent alerts, newest first")
