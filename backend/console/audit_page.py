"""The audit log for supervisors and administrators (/staff/audit): who did what to which
application, when and from which address, newest first, filtered by person, action,
application and day. It is read here and nowhere changed: the console has no way to edit or
delete an entry (backend/audit.py only appends)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from backend import audit
from backend.console.auth import require_role
from backend.console.kiosk_words import alert_label
from backend.console.refusals import ConsoleRefusal
from backend.console.roles import StaffRole
from backend.console.templates import page
from backend.console.users import StaffUser

AUDIT = "/staff/audit"
PAGE_SIZE = 100
MAX_OFFSET = 100_000
router = APIRouter(include_in_schema=False)

SupervisorOrAdmin = Annotated[
    StaffUser, Depends(require_role(StaffRole.SUPERVISOR, StaffRole.ADMIN))
]
_APPLICATION = re.compile(r"^[0-9A-Za-z-]{1,36}$")


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""
    action: str = ""
    application: str = ""
    day: str = ""  # YYYY-MM-DD, the backend host's local day
    offset: int = 0

    def problems(self) -> list[str]:
        found = []
        if self.action and self.action not in audit.ACTION_LABELS:
            found.append("操作の種類が正しくありません。")
        if self.application and not _APPLICATION.match(self.application):
            found.append("申請の番号（ID）は英数字とハイフンで入れてください。")
        if self.day and self.moments() is None:
            found.append("日付は 2026-12-04 の形で入れてください。")
        return found

    def moments(self) -> tuple[datetime, datetime] | None:
        try:
            day = date.fromisoformat(self.day)
        except ValueError:
            return None
        start = datetime.combine(day, time()).astimezone()
        return start, (datetime.combine(day + timedelta(days=1), time())).astimezone()

    def query(self, offset: int) -> str:
        fields = {
            "who": self.who,
            "action": self.action,
            "application": self.application,
            "day": self.day,
        }
        return urlencode({k: v for k, v in {**fields, "offset": offset}.items() if v})


@router.get(AUDIT)
def audit_log(
    request: Request,
    user: SupervisorOrAdmin,
    who: Annotated[str, Query(max_length=80)] = "",
    action: Annotated[str, Query(max_length=20)] = "",
    application: Annotated[str, Query(max_length=40)] = "",
    day: Annotated[str, Query(max_length=10)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    filters = AuditFilters(who.strip(), action, application.strip(), day.strip(), offset)
    problems = filters.problems()
    entries: list[dict] = []
    if not problems:
        since, before = filters.moments() if filters.day else (None, None)
        # A name as the header shows it (tanaka) finds the console's entries (console:tanaka).
        who_names = None
        if filters.who:
            who_names = (
                (filters.who,) if ":" in filters.who else (filters.who, f"console:{filters.who}")
            )
        try:
            entries = audit.entries(
                request.app.state.engine,
                who=who_names,
                action=filters.action or None,
                application_id=filters.application or None,
                since=since,
                before=before,
                limit=PAGE_SIZE + 1,
                offset=offset,
            )
        except SQLAlchemyError as error:
            raise ConsoleRefusal(503) from error
    more = len(entries) > PAGE_SIZE
    return page(
        request,
        "audit.html",
        status=422 if problems else 200,
        filters=filters,
        problems=problems,
        entries=entries[:PAGE_SIZE],
        more=more,
        actions=audit.ACTION_LABELS,
        page_size=PAGE_SIZE,
        describe=describe,
    )


def describe(entry: dict) -> str:
    """The entry's detail in a few plain words (statuses, formats, counts; never answers)."""
    detail = entry.get("detail") or {}
    action = entry["action"]
    if action == "status" and "before" in detail:
        return f"{detail.get('before')} → {detail.get('after')}"
    if action == "export":
        words = [str(detail.get("format", "")).upper(), f"{detail.get('rows', 0)}件"]
        if detail.get("failed"):
            words.append("途中で失敗")
        return "・".join(word for word in words if word)
    if action == "acknowledge":
        return alert_label(str(detail.get("kind", "")))
    if action == "kiosk":
        after = detail.get("after") or {}
        return f"{after.get('name', '')}（{after.get('location', '')}）"
    return ""
