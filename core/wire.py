"""The sync protocol's wire models, imported by both the kiosk and the backend (one module).

Versioned by the URL prefix. Only non-personal metadata travels in clear; the answers travel
as the sealed envelope the kiosk stored, which only the municipality's private key opens.

Kiosk API (bearer token of one kiosk):
  POST {BATCH_PATH}         SubmissionBatch → BatchReceipt (200; one result per application)
  POST {APPLICATIONS_PATH}  one SubmittedApplication with the Idempotency-Key header
                            → SubmissionReceipt (201 created, 200 duplicate, 422 same key with
                            a different body). Kept for simple clients and as the bench baseline.
  GET  {CATALOG_PATH}       CatalogBundle with an ETag; If-None-Match → 304
  POST {HEARTBEAT_PATH}     Heartbeat → HeartbeatReply
  GET  {HEALTH_PATH}        Health (no token)
Staff API (a staff token): under {STAFF_PREFIX}, see backend/staff_api.py.

Every reply that a kiosk acts on carries the server's clock (server_time), so the kiosk can
measure its own clock skew without trusting its local clock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"
APPLICATIONS_PATH = f"{API_PREFIX}/applications"
BATCH_PATH = f"{API_PREFIX}/applications/batch"
CATALOG_PATH = f"{API_PREFIX}/catalog"
HEARTBEAT_PATH = f"{API_PREFIX}/heartbeat"
HEALTH_PATH = f"{API_PREFIX}/health"
STAFF_PREFIX = f"{API_PREFIX}/staff"
IDEMPOTENCY_HEADER = "Idempotency-Key"

# A batch larger than this is refused whole (413): it bounds the server's work per request.
MAX_BATCH = 200


class SubmittedApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[0-9a-f-]{36}$", description="UUID; also the idempotency key")
    kiosk_id: str
    reception_number: str
    procedure_id: str
    procedure_version: int
    created_at: datetime
    sealed: str = Field(description="the sealed envelope (JSON text) as stored on the kiosk")


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
    id: str
    status: SubmissionStatus
    reason: str | None = Field(None, description="why it was rejected, in plain words")


class BatchReceipt(BaseModel):
    results: list[ItemResult]
    server_time: datetime


class CatalogBundle(BaseModel):
    """The catalog files a kiosk loads (procedures/*.toml, municipalities/*.toml …) by their
    path relative to the catalog folder. The kiosk validates it exactly like local files."""

    version: str = Field(description="content hash; also the ETag")
    files: dict[str, str]


class StaffAlert(BaseModel):
    kind: str = Field(description="e.g. staff_call, printer_paper_out")
    at: datetime
    detail: str = ""  # never personal data


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kiosk_id: str
    app_version: str
    catalog_version: str
    queue_depth: int = Field(ge=0)
    quarantined: int = Field(ge=0)
    devices: dict[str, str] = Field(
        default_factory=dict, description="device name → state (ok, paper_near_end, absent …)"
    )
    alerts: list[StaffAlert] = Field(default_factory=list)
    sent_at: datetime


class HeartbeatReply(BaseModel):
    server_time: datetime


class Health(BaseModel):
    status: str
    version: str
    server_time: datetime


class StaffStatus(StrEnum):
    """What the back office sets on an application (受付済 / 処理中 / 完了)."""

    RECEIVED = "受付済"
    IN_PROGRESS = "処理中"
    DONE = "完了"
