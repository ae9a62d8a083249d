"""The sync protocol's wire models, imported by both the kiosk and the backend (one module).

Versioned by the URL prefix. Only non-personal metadata travels in clear; the answers travel
as the sealed envelope the kiosk stored, which only the municipality's private key opens.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"
APPLICATIONS_PATH = f"{API_PREFIX}/applications"
HEALTH_PATH = f"{API_PREFIX}/health"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class SubmittedApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    kiosk_id: str
    reception_number: str
    procedure_id: str
    procedure_version: int
    created_at: datetime
    sealed: str = Field(description="the sealed envelope (JSON text) as stored on the kiosk")


class SubmissionStatus(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # already received earlier: the kiosk may forget it too


class SubmissionReceipt(BaseModel):
    id: str
    status: SubmissionStatus
    server_time: datetime


class Health(BaseModel):
    status: str
    version: str
    server_time: datetime
