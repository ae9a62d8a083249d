"""The console's queries over the received applications: one day's queue (filters, the division
rule, a reception-number search) and the applications a receipt names. Only summaries: the
sealed answers are read by backend/console/application.py alone, when a page shows them.

Times: the office is in Japan (JST, no daylight saving); a day is a JST calendar day, and
stored moments are UTC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Engine, func, select

from backend.applications import SUMMARY_COLUMNS
from backend.db import applications
from core.wire import KIOSK_ID_PATTERN, PROCEDURE_ID_PATTERN, RECEPTION_NUMBER_PATTERN, StaffStatus

JST = timezone(timedelta(hours=9), "JST")
MAX_ROWS = 500  # one day of one office, and then some: more asks for a narrower filter
_NUMBER = re.compile(RECEPTION_NUMBER_PATTERN)
_KIOSK = re.compile(KIOSK_ID_PATTERN)
_PROCEDURE = re.compile(PROCEDURE_ID_PATTERN)


def utc_now() -> datetime:
    return datetime.now(UTC)


def today(now: datetime) -> date:
    return now.astimezone(JST).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=JST)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def reception_number(text: str | None) -> str | None:
    """A reception number as typed (ａ－００１, a-001) in its printed form, or None."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).strip().upper().replace("ー", "-")
    return folded if _NUMBER.fullmatch(folded) else None


@dataclass(frozen=True)
class QueueFilters:
    """What the queue's GET form asks for; anything unusable is dropped, never an error."""

    day: date
    status: StaffStatus | None = None
    procedure_id: str | None = None
    kiosk_id: str | None = None
    number: str | None = None  # a reception number
    number_typed: str = ""  # as typed, to show it back

    @classmethod
    def from_query(cls, query, now: datetime) -> QueueFilters:
        def pick(name: str, pattern: re.Pattern | None = None) -> str | None:
            value = (query.get(name) or "").strip()
            if not value or len(value) > 64 or (pattern and not pattern.fullmatch(value)):
                return None
            return value

        status = pick("status")
        day_text = pick("date")
        try:
            day = date.fromisoformat(day_text) if day_text else today(now)
        except ValueError:
            day = today(now)
        if not 2000 <= day.year <= 2199:
            day = today(now)
        typed = (query.get("number") or "").strip()[:32]
        return cls(
            day=day,
            status=StaffStatus(status) if status in set(StaffStatus) else None,
            procedure_id=pick("procedure", _PROCEDURE),
            kiosk_id=pick("kiosk", _KIOSK),
            number=reception_number(typed),
            number_typed=typed,
        )

    def query(self) -> dict[str, str]:
        """The filters as the form's fields (for the live refresh and the 更新 link)."""
        fields = {"date": self.day.isoformat()}
        if self.status:
            fields["status"] = self.status.value
        if self.procedure_id:
            fields["procedure"] = self.procedure_id
        if self.kiosk_id:
            fields["kiosk"] = self.kiosk_id
        if self.number_typed:
            fields["number"] = self.number_typed
        return fields


def _visible(hidden_procedures: list[str]) -> list:
    return [applications.c.procedure_id.not_in(hidden_procedures)] if hidden_procedures else []


def queue(
    engine: Engine, filters: QueueFilters, hidden_procedures: list[str]
) -> tuple[int, list[dict]]:
    """(how many match, the first MAX_ROWS) in arrival order."""
    start, end = day_bounds(filters.day)
    clauses = [applications.c.received_at >= start, applications.c.received_at < end]
    clauses += _visible(hidden_procedures)
    if filters.status:
        clauses.append(applications.c.staff_status == filters.status.value)
    if filters.procedure_id:
        clauses.append(applications.c.procedure_id == filters.procedure_id)
    if filters.kiosk_id:
        clauses.append(applications.c.kiosk_id == filters.kiosk_id)
    if filters.number_typed:
        # A number that cannot be one matches nothing, rather than being ignored.
        clauses.append(applications.c.reception_number == (filters.number or ""))
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(applications).where(*clauses)
        ).scalar_one()
        rows = connection.execute(
            select(*SUMMARY_COLUMNS)
            .where(*clauses)
            # One batch arrives at one moment: then the order the residents finished in.
            .order_by(
                applications.c.received_at,
                applications.c.created_at,
                applications.c.kiosk_id,
                applications.c.id,
            )
            .limit(MAX_ROWS)
        ).mappings()
        return total, list(rows)  # read-only mappings: no copy per row (500 on a busy day)


def kiosks(engine: Engine) -> list[str]:
    """Every kiosk that has sent an application (for the kiosk filter)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(applications.c.kiosk_id).distinct().order_by(applications.c.kiosk_id)
        )
        return [row.kiosk_id for row in rows]


def by_number(engine: Engine, number: str, now: datetime, limit: int = 50) -> list[dict]:
    """Applications with this reception number: today's if any, else the latest of any day."""
    start, end = day_bounds(today(now))
    base = applications.c.reception_number == number
    with engine.connect() as connection:
        for clauses in (
            [base, applications.c.received_at >= start, applications.c.received_at < end],
            [base],
        ):
            rows = (
                connection.execute(
                    select(*SUMMARY_COLUMNS)
                    .where(*clauses)
                    .order_by(applications.c.received_at.desc(), applications.c.kiosk_id)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
            if rows:
                return [dict(row) for row in rows]
    return []


def by_receipt(
    engine: Engine, application_id: str, kiosk_id: str | None, number: str | None
) -> list[dict]:
    """The applications a receipt names: (kiosk, id), or (id, reception number) for the
    receipts that named no kiosk (two kiosks may match those)."""
    clauses = [applications.c.id == application_id]
    if kiosk_id is not None:
        clauses.append(applications.c.kiosk_id == kiosk_id)
    if number is not None:
        clauses.append(applications.c.reception_number == number)
    with engine.connect() as connection:
        rows = connection.execute(
            select(*SUMMARY_COLUMNS).where(*clauses).order_by(applications.c.kiosk_id).limit(10)
        ).mappings()
        return [dict(row) for row in rows]


def one(engine: Engine, kiosk_id: str, application_id: str) -> dict | None:
    """One application with its sealed answers."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                select(*SUMMARY_COLUMNS, applications.c.sealed).where(
                    applications.c.kiosk_id == kiosk_id, applications.c.id == application_id
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None


def waiting(row: dict, now: datetime) -> str:
    """How long the resident has waited since applying at the kiosk (— once done)."""
    if row["staff_status"] in (StaffStatus.DONE.value, StaffStatus.RETURNED.value):
        return "—"
    minutes = max(0, int((now - row["created_at"]).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}分"
    return f"{minutes // 60}時間{minutes % 60}分"


def clock_text(moment: datetime | None, with_date: bool = False) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(JST)
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


Visible = Callable[[str], bool]  # procedure id → may this member see it
