"""What a date picker may offer and how a date is picked part by part.

Where a picker opens (DateOpening) and which year an era lands on, the 今日・きのう・おととい
shortcuts, the days a page allows (SelectableDates) and the draft a picker keeps while the
resident chooses era, year, month and day (DateDraft). The era calendar itself, and reading
and checking a date, are core.wareki's.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from core.wareki import (
    ERA_SPANS,
    FIRST_SUPPORTED,
    LAST_SUPPORTED,
    SEIREKI,
    EraSpan,
    WarekiError,
    days_from_today,
    era_span,
    parse_day,
    parse_month,
    parse_year,
    wareki_parts,
)

# The eras by kanji name, for a date given as wareki_parts.
_ERAS = {span.name: span for span in ERA_SPANS if span.name != SEIREKI}


class DateOpening(StrEnum):
    """Where a date picker starts when the page has no answer yet (a page's `opens_on`)."""

    # The resident chooses the era first, then steps to the year: birth dates and other dates
    # long past, which an older resident knows as 昭和何年.
    ERA = "era"
    # Already on this year and month, with 今日・きのう・おととい where the page allows them:
    # a moving day, the day something just happened. Nobody has to know which 令和 year it is:
    # the years are counted as 西暦 years, each shown with its 和暦 name(s), so stepping back
    # from 令和元年 reaches 平成30年 and there is no era to choose first (nor an era boundary
    # to trip over: every day of 2019 is in 2019).
    TODAY = "today"


# Where choosing an era lands before any year is chosen. An ERA page is most often a birth
# date, and half of Japan's residents are older than 49 (median age 48.6, 2020 census): from
# the middle of the population, ±10 and ±1 reach most birth years in a few taps, where the
# era's first year (昭和元年 = 1926) would leave nearly everyone to step forward.
MEDIAN_AGE = 49


def landing_year(opens_on: DateOpening, today: date) -> int:
    """The Gregorian year an era lands on when chosen before any year (then kept within it)."""
    return today.year if opens_on is DateOpening.TODAY else today.year - MEDIAN_AGE


@dataclass(frozen=True)
class RecentDay:
    """A day named by its distance from today, offered as one touch on a TODAY picker."""

    days: int  # days_from_today(today, days)
    key: str  # the UI text that names it


RECENT_DAYS = (
    RecentDay(0, "date_today"),
    RecentDay(-1, "date_yesterday"),
    RecentDay(-2, "date_two_days_ago"),
)


@dataclass(frozen=True)
class RecentChoice:
    """One of RECENT_DAYS for a given today: its date, and whether the page allows it."""

    name_key: str
    day: date
    selectable: bool


@dataclass(frozen=True)
class SelectableDates:
    """The days a picker may offer: the supported range, cut to a page's earliest and latest.

    A picker built on this never offers a day that does not exist or lies outside its era:
    no 昭和65年, no 昭和64年1月8日, no 令和元年4月, no 2月29日 in a common year.
    """

    earliest: date = FIRST_SUPPORTED
    latest: date = LAST_SUPPORTED

    @classmethod
    def between(cls, earliest: date | None, latest: date | None) -> SelectableDates:
        return cls(
            max(earliest or FIRST_SUPPORTED, FIRST_SUPPORTED),
            min(latest or LAST_SUPPORTED, LAST_SUPPORTED),
        )

    def holds(self, day: date) -> bool:
        """Whether the picker may offer this day."""
        return self.earliest <= day <= self.latest

    def recent(self, today: date) -> tuple[RecentChoice, ...]:
        """今日, きのう, おととい as dates, each marked as allowed or not: a shortcut to a
        day the page refuses (a future day, one before its earliest) is shown disabled."""
        choices = []
        for recent in RECENT_DAYS:
            day = days_from_today(today, recent.days)
            choices.append(RecentChoice(recent.key, day, self.holds(day)))
        return tuple(choices)

    def span(self, era: EraSpan) -> tuple[date, date] | None:
        """The first and last day of `era` that may be chosen, or None when none may."""
        first, last = max(era.first_day, self.earliest), min(era.last_day, self.latest)
        return (first, last) if first <= last else None

    def years(self, era: EraSpan) -> range:
        """The era's year numbers that hold a day that may be chosen (昭和: 1…64)."""
        span = self.span(era)
        if span is None:
            return range(0)
        return range(span[0].year - era.offset, span[1].year - era.offset + 1)

    def months(self, era: EraSpan, year: int) -> tuple[int, ...]:
        """The months of that era year holding a day that may be chosen (平成31年: 1…4)."""
        span = self.span(era)
        gregorian = year + era.offset
        if span is None or year not in self.years(era):
            return ()
        return tuple(
            month
            for month in range(1, 13)
            if date(gregorian, month, 1) <= span[1]
            and date(gregorian, month, _days_in_month(gregorian, month)) >= span[0]
        )

    def days(self, era: EraSpan, year: int, month: int) -> tuple[int, ...]:
        """The days of that month that may be chosen (昭和64年1月: 1…7)."""
        if month not in self.months(era, year):
            return ()
        span = self.span(era)
        assert span is not None  # a month was offered
        gregorian = year + era.offset
        last = _days_in_month(gregorian, month)
        return tuple(
            day for day in range(1, last + 1) if span[0] <= date(gregorian, month, day) <= span[1]
        )


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True)
class DateDraft:
    """A date being picked part by part: era, year, month, day, each None until chosen.

    Every change returns a new draft and keeps it consistent with `dates`: a month or day the
    new era or year lacks is dropped (not moved to a neighbour, so the resident sees it
    unchosen and picks again); a change that cannot be made returns this same draft.
    """

    dates: SelectableDates = SelectableDates()
    era: EraSpan | None = None
    year: int | None = None  # the era's year number (the Gregorian year for 西暦)
    month: int | None = None
    day: int | None = None
    opens_on: DateOpening = DateOpening.ERA  # also where a later era choice lands

    @classmethod
    def start(
        cls,
        initial: object,
        dates: SelectableDates,
        opens_on: DateOpening = DateOpening.ERA,
        today: date | None = None,
    ) -> DateDraft:
        """The draft for a stored answer (an ISO date), a date or a picker dict. Without one
        (or for anything that is not a date the picker may offer) an ERA draft starts empty
        and a TODAY draft on this year and month (the nearest the page allows), in 西暦."""
        opens_on = DateOpening(opens_on)
        draft = cls._from_answer(initial, dates, opens_on)
        if opens_on is not DateOpening.TODAY:
            return draft
        draft = draft._in_gregorian_years()
        if draft.year is None and today is not None:
            return draft._on_month_of(min(max(today, dates.earliest), dates.latest))
        return draft

    @classmethod
    def _from_answer(
        cls, initial: object, dates: SelectableDates, opens_on: DateOpening
    ) -> DateDraft:
        empty = cls(dates, opens_on=opens_on)
        if isinstance(initial, str):
            try:
                initial = date.fromisoformat(initial)
            except ValueError:
                return empty
        if isinstance(initial, date):
            if initial < FIRST_SUPPORTED:
                return empty
            era_text, year, month, day = wareki_parts(initial)
            initial = {"era": era_text, "year": year, "month": month, "day": day}
        if not isinstance(initial, dict):
            return empty
        era = era_span(initial.get("era"))
        if era is None:
            return empty
        year = _read(parse_year, initial.get("year"), gannen=era.name != SEIREKI)
        if year is None or year not in dates.years(era):
            return empty
        month = _read(parse_month, initial.get("month"))
        day = _read(parse_day, initial.get("day"))
        return cls(dates, era, year, month, day, opens_on)._settled()

    def _in_gregorian_years(self) -> DateDraft:
        """The same date counted in 西暦 years (how a TODAY picker counts them)."""
        if self.era is None or self.era.name == SEIREKI or self.gregorian_year is None:
            return self
        return replace(self, era=ERA_SPANS[-1], year=self.gregorian_year)._settled()

    def _on_month_of(self, day: date) -> DateDraft:
        """This draft on the (西暦) year and month of `day`, no day chosen yet."""
        if not self.dates.holds(day):
            return self
        return replace(self, era=ERA_SPANS[-1], year=day.year, month=day.month, day=None)

    @property
    def gregorian_year(self) -> int | None:
        if self.era is None or self.year is None:
            return None
        return self.year + self.era.offset

    def years(self) -> range:
        return self.dates.years(self.era) if self.era is not None else range(0)

    def months(self) -> tuple[int, ...]:
        if self.era is None or self.year is None:
            return ()
        return self.dates.months(self.era, self.year)

    def days(self) -> tuple[int, ...]:
        if self.era is None or self.year is None or self.month is None:
            return ()
        return self.dates.days(self.era, self.year, self.month)

    def can_step(self, step: int) -> bool:
        """Whether ±1 or ±10 years moves at all (it stops at the era's first or last year)."""
        years = self.years()
        if self.year is None or not years:
            return False
        return self.year > years.start if step < 0 else self.year < years[-1]

    def with_era(self, era: EraSpan, today: date) -> DateDraft:
        years = self.dates.years(era)
        if not years:
            return self
        gregorian = self.gregorian_year
        if gregorian is not None and gregorian - era.offset in years:
            # Switching 昭和64年 to 平成 keeps the same Gregorian year (平成元年): a resident
            # may first think of the other name of the same year.
            year = gregorian - era.offset
        else:
            # Where this kind of page lands (this year, or the middle of the residents' birth
            # years), or the era's nearest year to it.
            wanted = landing_year(self.opens_on, today) - era.offset
            year = min(max(wanted, years.start), years[-1])
        return replace(self, era=era, year=year)._settled()

    def stepped(self, step: int) -> DateDraft:
        """The year moved by `step`; ±10 stops at the first or last year instead of refusing:
        昭和58年 + 10 → 昭和64年."""
        if not self.can_step(step):
            return self
        years = self.years()
        assert self.year is not None  # can_step needs a year
        year = min(max(self.year + step, years.start), years[-1])
        return replace(self, year=year)._settled()

    def with_month(self, month: int) -> DateDraft:
        return replace(self, month=month)._settled() if month in self.months() else self

    def with_day(self, day: int) -> DateDraft:
        return replace(self, day=day) if day in self.days() else self

    def on_date(self, day: date) -> DateDraft:
        """The whole date at once (a 今日・きのう shortcut): in 西暦 if the resident chose 西暦,
        else in the date's own era; this same draft if the page does not allow the day."""
        if not self.dates.holds(day) or day < FIRST_SUPPORTED:
            return self
        if self.era is not None and self.era.name == SEIREKI:
            return replace(self, year=day.year, month=day.month, day=day.day)
        era_text, year, month, day_number = wareki_parts(day)
        return replace(self, era=_ERAS[era_text], year=year, month=month, day=day_number)

    def chosen_date(self) -> date | None:
        """The date once every part is chosen, else None."""
        if self.gregorian_year is None or self.month is None or self.day is None:
            return None
        return date(self.gregorian_year, self.month, self.day)

    def cleared(self) -> DateDraft:
        return DateDraft(self.dates, opens_on=self.opens_on)

    def answer(self) -> dict[str, Any]:
        """{"era": "昭和", "year": 64, "month": 1, "day": 7}; era SEIREKI with the Gregorian
        year for 西暦; parts not chosen yet are None (core.validators then asks for them)."""
        return {
            "era": self.era.name if self.era else SEIREKI,
            "year": self.year,
            "month": self.month,
            "day": self.day,
        }

    def _settled(self) -> DateDraft:
        month = self.month if self.month in self.months() else None
        draft = replace(self, month=month)
        day = draft.day if draft.day in draft.days() else None
        return replace(draft, day=day) if day != draft.day else draft


def _read(parse: Callable[..., int], value: object, **options: bool) -> int | None:
    """A part of a stored answer, or None when it cannot be read (the part is then unchosen)."""
    try:
        return parse(value, **options)
    except WarekiError:
        return None
