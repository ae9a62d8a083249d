"""Dates and 年度 relative to the day: the one definition of what a page allows on a day.

A page's bounds (earliest, latest, latest_is_today, days_before_today, days_after_today,
earliest_days_after_today; a number page's fiscal_years) say nothing until a today is given.
`allowed_dates` turns them into the days a picker offers and the validator accepts, and
`refusal` words a date outside them with the actual dates in 和暦, so the picker, the validator
and the message can never disagree. The flow engine resolves its pages once with its own today
(`resolved`), so every screen that reads a page's earliest/latest or minimum/maximum sees the
same concrete bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.catalog_pages import FieldType, FiscalYears, Page
from core.date_picking import SelectableDates
from core.wareki import FIRST_SUPPORTED, LAST_SUPPORTED, date_values, wareki_parts

FISCAL_YEAR_START_MONTH = 4  # 年度: 1 April to 31 March


def _shift(today: date, days: int) -> date:
    """today ± days, held to the supported calendar (no OverflowError near year 1 or 9999)."""
    try:
        day = today + timedelta(days=days)
    except OverflowError:
        return FIRST_SUPPORTED if days < 0 else LAST_SUPPORTED
    return min(max(day, FIRST_SUPPORTED), LAST_SUPPORTED)


def _latest(page: Page, today: date) -> date | None:
    bounds = [page.latest] if page.latest is not None else []
    if page.latest_is_today:
        bounds.append(today)
    if page.days_after_today is not None:
        bounds.append(_shift(today, page.days_after_today))
    return min(bounds) if bounds else None


def _earliest(page: Page, today: date) -> date | None:
    bounds = [page.earliest] if page.earliest is not None else []
    if page.days_before_today is not None:
        bounds.append(_shift(today, -page.days_before_today))
    if page.earliest_days_after_today is not None:
        bounds.append(_shift(today, page.earliest_days_after_today))
    return max(bounds) if bounds else None


def allowed_dates(page: Page, today: date) -> SelectableDates:
    """The days a date page allows on `today`: every bound it gives holds at once."""
    return SelectableDates.between(_earliest(page, today), _latest(page, today))


@dataclass(frozen=True)
class Refusal:
    """Why a date is not allowed: a key of assets/i18n/validation.toml and its values."""

    message_key: str
    values: tuple[tuple[str, object], ...]


def refusal(page: Page, day: date, today: date) -> Refusal | None:
    """None when the page allows `day` on `today`; else the message stating the real dates.

    A window relative to today (転出: 14 days either side) is stated whole, "令和8年11月20日から
    12月18日まで"; a single bound as before: too early, after today, after the latest day."""
    dates = allowed_dates(page, today)
    if dates.holds(day):
        return None
    relative = any(
        days is not None
        for days in (page.days_before_today, page.days_after_today, page.earliest_days_after_today)
    )
    bounded_both = dates.earliest > FIRST_SUPPORTED and dates.latest < LAST_SUPPORTED
    if relative and bounded_both:
        return Refusal("date_outside_range", range_values(dates.earliest, dates.latest))
    if day < dates.earliest:
        return Refusal("date_too_early", tuple(date_values("earliest", dates.earliest).items()))
    if dates.latest == today and page.latest_is_today:
        return Refusal("date_in_future", tuple(date_values("today", today).items()))
    return Refusal("date_too_late", tuple(date_values("latest", dates.latest).items()))


def range_values(first: date, last: date) -> tuple[tuple[str, object], ...]:
    """earliest/latest in every form a message wants, and `latest_short_wareki`: the last day
    without its era and year when both days share them (令和8年11月20日から12月18日)."""
    values = {**date_values("earliest", first), **date_values("latest", last)}
    short = values["latest_wareki"]
    if first >= FIRST_SUPPORTED and wareki_parts(first)[:2] == wareki_parts(last)[:2]:
        short = f"{last.month}月{last.day}日"
    values["latest_short_wareki"] = short
    return tuple(values.items())


# -- 年度 --------------------------------------------------------------------------------


def fiscal_year_of(day: date) -> int:
    """The 年度 (西暦) a day belongs to: 2027-03-31 → 2026, 2027-04-01 → 2027."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_span(rule: FiscalYears, today: date) -> tuple[int, int]:
    """The first and last 年度 offered on `today`: the newest is today's 年度 once its
    certificates are issued (from `new_from_month`), else the one before."""
    newest = fiscal_year_of(today)
    if today < date(newest, rule.new_from_month, 1):
        newest -= 1
    return newest - rule.last + 1, newest


def fiscal_year_name(year: int) -> str:
    """和暦 name of a 年度, by the era of its first day: 2026 → 令和8年度; 2019 → 平成31年度
    (1 April 2019 was still 平成; some offices say 令和元年度: the 西暦 year beside it
    settles it)."""
    first_day = date(year, FISCAL_YEAR_START_MONTH, 1)
    if not FIRST_SUPPORTED <= first_day <= LAST_SUPPORTED:
        return f"{year}年度"
    era, number, _, _ = wareki_parts(first_day)
    return f"{era}{'元' if number == 1 else number}年度"


def fiscal_values(first: int, last: int) -> tuple[tuple[str, object], ...]:
    return (
        ("first", first),
        ("last", last),
        ("first_wareki", fiscal_year_name(first)),
        ("last_wareki", fiscal_year_name(last)),
    )


# -- resolving a page for one day -----------------------------------------------------------


def resolved(page: Page, today: date) -> Page:
    """The page with its relative bounds made concrete for `today`: a date page's earliest and
    latest, a fiscal-year page's minimum and maximum (the relative settings are kept, and
    resolving again on the same day changes nothing)."""
    if page.type is FieldType.DATE and _is_relative(page):
        dates = allowed_dates(page, today)
        earliest = dates.earliest if _earliest(page, today) is not None else None
        latest = dates.latest if _latest(page, today) is not None else None
        return page.model_copy(update={"earliest": earliest, "latest": latest})
    if page.type is FieldType.NUMBER and page.fiscal_years is not None:
        first, last = fiscal_year_span(page.fiscal_years, today)
        return page.model_copy(update={"minimum": first, "maximum": last})
    return page


def _is_relative(page: Page) -> bool:
    return (
        page.latest_is_today
        or page.days_before_today is not None
        or page.days_after_today is not None
        or page.earliest_days_after_today is not None
    )
