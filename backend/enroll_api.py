"""POST /api/v1/enroll: a kiosk exchanges a one-time code (backend/enrollment.py) for its
token, reception letter, municipality profile and the sealing key's fingerprint, in one reply.

No bearer token: the code is the credential, so the door counts per address like the console's
login. The tokenless budget of backend/limits.py applies to every request; here, besides, an
address that sent code_failures.count codes that were not usable waits (429 with Retry-After),
checked before the code is even looked up. Refusals are JSON {"detail": {"reason", "message"}}:
a word for scripts, a plain Japanese sentence for the technician at the kiosk.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from backend import enrollment
from backend.catalog_bundle import CatalogSource
from backend.ratelimit import Rate, RateLimiter, client_key
from backend.validation import ValidatedRoute
from core.enrollment import EnrollmentRefusal, EnrollmentReply, EnrollmentRequest
from core.wire import ENROLL_PATH

log = logging.getLogger(__name__)

router = APIRouter(tags=["kiosk"], route_class=ValidatedRoute)

# Five codes that were not usable, then one more try every three minutes.
CODE_FAILURES = Rate(5, 900.0)

TOO_MANY = (
    "登録コードの誤りが続いたため、しばらく受け付けません。{wait}分ほど待ってから、"
    "コードを確かめてもう一度お試しください。"
)
NO_PROFILE = (
    "バックエンドに自治体の設定（municipalities/*.toml）がないため登録できません。"
    "管理者に連絡してください。"
)
UNAVAILABLE = (
    "バックエンドのデータベースが使えないため登録できません。"
    "しばらくしてからもう一度お試しください。"
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EnrollmentSettings:
    """The exchange's limits and clock (tests move the clock instead of waiting)."""

    code_failures: Rate = CODE_FAILURES
    clock: Callable[[], datetime] = field(default=_now)


@dataclass(frozen=True)
class EnrollmentState:
    settings: EnrollmentSettings
    failures: RateLimiter
    code_key: bytes


def mount(app: FastAPI, settings: EnrollmentSettings | None = None) -> None:
    """The endpoint, with its state on app.state.enrollment (app.state.private_key first)."""
    settings = settings or EnrollmentSettings()
    app.state.enrollment = EnrollmentState(
        settings,
        RateLimiter(settings.code_failures, "enrollment codes that were not usable"),
        enrollment.code_key(app.state.private_key),
    )
    app.include_router(router)


def _refusal(status: int, reason: str, message: str, headers: dict | None = None) -> JSONResponse:
    detail = EnrollmentRefusal(reason=reason, message=message).model_dump()
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


@dataclass(frozen=True)
class Profile:
    municipality: str
    text: str


def municipality_profile(catalog: CatalogSource) -> Profile | None:
    """The municipality profile as the catalog bundle serves it (seal_public_key in it): the
    first municipalities/*.toml by file name, the one the console names too."""
    bundle = catalog.current()
    for path in sorted(bundle.files):
        name = PurePosixPath(path)
        if name.parent.as_posix() == "municipalities" and name.suffix == ".toml":
            return Profile(name.stem, bundle.files[path])
    return None


@router.post(
    ENROLL_PATH,
    response_model=EnrollmentReply,
    summary="Exchange a one-time enrollment code for this kiosk's token and settings",
    responses={
        403: {"description": "code_refused: unknown, used, expired or revoked (one answer)"},
        409: {"description": "no_letter_left: every reception letter is in use"},
        429: {"description": "too_many: too many unusable codes from this address"},
        503: {"description": "no_profile or unavailable"},
    },
)
def enroll(body: EnrollmentRequest, request: Request):
    state: EnrollmentState = request.app.state.enrollment
    address = client_key(request.scope.get("client"))
    budget = state.failures.blocked(address)
    if not budget.allowed:
        log.warning("enrollment refused from %s: too many unusable codes", address)
        wait = max(1, -(-budget.retry_after_s // 60))
        return _refusal(
            429,
            "too_many",
            TOO_MANY.format(wait=wait),
            {"Retry-After": str(budget.retry_after_s)},
        )
    profile = municipality_profile(request.app.state.catalog)
    if profile is None:  # before the code is spent: the administrator can fix this
        log.error("enrollment refused: the catalog has no municipality profile")
        return _refusal(503, "no_profile", NO_PROFILE)
    try:
        enrolled = enrollment.exchange(
            request.app.state.engine,
            state.code_key,
            body.code,
            now=state.settings.clock(),
            address=address,
        )
    except enrollment.CodeRefused as refused:
        state.failures.hit(address)
        # Never the code, not even a part of it: the log is read by more people than codes are.
        log.warning("enrollment refused from %s: the code was not usable", address)
        return _refusal(refused.status, refused.reason, refused.message)
    except enrollment.Refused as refused:
        log.error("enrollment refused from %s: %s", address, refused.reason)
        return _refusal(refused.status, refused.reason, refused.message)
    except SQLAlchemyError as error:
        log.error("enrollment failed: the database (%s)", type(error).__name__)
        return _refusal(503, "unavailable", UNAVAILABLE)
    public_key = request.app.state.private_key.public_key()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    log.info(
        "kiosk %s enrolled from %s with letter %s%s",
        enrolled.kiosk_id,
        address,
        enrolled.letter,
        f" (replacing {enrolled.replaced_tokens} earlier token(s))"
        if enrolled.replaced_tokens
        else "",
    )
    return EnrollmentReply(
        kiosk_id=enrolled.kiosk_id,
        token=enrolled.token,
        kiosk_letter=enrolled.letter,
        municipality=profile.municipality,
        municipality_profile=profile.text,
        seal_public_key=pem,
        seal_key_sha256=hashlib.sha256(raw).hexdigest(),
        server_time=datetime.now(UTC),
    )
