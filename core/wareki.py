"""和暦 (Japanese era) dates: display, entry and the checks that make entry safe.

Older residents read and type dates this way. Entry is where the traps are: 昭和64年 lasted
seven days, 平成31年 ended on 4月30日, and a resident may write 昭和65年 meaning 1990. Every
refusal carries a message key of assets/i18n/validation.toml and the values it needs.
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# (first day, kanji name, offset from the Gregorian year). Newest first.
ERAS: tuple[tuple[date, str, int], ...] = (
    (date(2019, 5, 1), "令和", 2018),
    (date(1989, 1, 8), "平成", 1988),
    (date(1926, 12, 25), "昭和", 1925),
    (date(1912, 7, 30), "大正", 1911),
    (date(1873, 1, 1), "明治", 1867),  # the Gregorian calendar's adoption in Japan
)

# Before 明治6年 Japan used the lunisolar calendar: a Gregorian date there would be a guess.
FIRST_SUPPORTED = date(1873, 1, 1)
LAST_SUPPORTED = date(2100, 12, 31)
FIRST_YEAR_TEXT = "元"

_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
# For messages in languages whose readers may not read the kanji.
LATIN_NAMES = {
    "明治": "Meiji",
    "大正": "Taishō",
    "昭和": "Shōwa",
    "平成": "Heisei",
    "令和": "Reiwa",
}


class WarekiError(ValueError):
    """A date that does not exist or is out of range, with the message to show the resident."""

    def __init__(self, message_key: str, **values: object) -> None:
        super().__init__(f"{message_key}: {values}" if values else message_key)
        self.message_key = message_key
        self.values: tuple[tuple[str, object], ...] = tuple(values.items())


SEIREKI = ""  # the era of a Gregorian date, as a picker hands it to core.validators


@dataclass(frozen=True)
class EraSpan:
    """The days of an era that the kiosk supports; 西暦 is one too, with offset 0."""

    name: str  # 令和 … or SEIREKI
    offset: int  # era year = Gregorian year − offset
    first_day: date
    last_day: date
    # False while the era goes on (令和, and 西暦): its last day is then only the kiosk's limit,
    # and a year past it is "after supported", not "past the era".
    ended: bool

    @property
    def last_year(self) -> int:
        """The last year number the era reaches (for 令和: as far as the kiosk supports)."""
        return self.last_day.year - self.offset


def _build_spans() -> tuple[EraSpan, ...]:
    spans: list[EraSpan] = []
    next_first_day: date | None = None
    for first_day, name, offset in ERAS:
        last_day = next_first_day - timedelta(days=1) if next_first_day else LAST_SUPPORTED
        spans.append(EraSpan(name, offset, first_day, last_day, next_first_day is not None))
        next_first_day = first_day
    spans.append(EraSpan(SEIREKI, 0, FIRST_SUPPORTED, LAST_SUPPORTED, False))
    return tuple(spans)


# Newest first, 西暦 last: the order a picker shows them in.
ERA_SPANS = _build_spans()
_ERAS = {span.name: span for span in ERA_SPANS if span.name != SEIREKI}


def era_name(text: str) -> str | None:
    """The kanji name for 昭和, S, s, Ｓ or ㍼ (any form a resident or a picker may give)."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    name = _LETTERS.get(cleaned.upper(), cleaned)
    return name if name in _ERAS else None


def era_span(text: object) -> EraSpan | None:
    """The span of 昭和, S, ㍼ …; a missing or blank era is 西暦 (the picker's SEIREKI)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return ERA_SPANS[-1]
    name = era_name(text) if isinstance(text, str) else None
    return _ERAS[name] if name else None


def wareki_parts(day: date) -> tuple[str, int, int, int]:
    """(era, year, month, day), e.g. date(1989, 1, 7) → ("昭和", 64, 1, 7)."""
    for first_day, era, offset in ERAS:
        if day >= first_day:
            return era, day.year - offset, day.month, day.day
    raise WarekiError("date_before_supported")


def wareki_years(gregorian: int) -> tuple[tuple[str, int], ...]:
    """The 和暦 names of a 西暦 year, oldest era first: 2019 → (("平成", 31), ("令和", 1)).
    Empty for a year no supported era reaches."""
    names = [
        (span.name, gregorian - span.offset)
        for span in reversed(ERA_SPANS)
        if span.name != SEIREKI and span.first_day.year <= gregorian <= span.last_day.year
    ]
    return tuple(names)


def format_wareki(era: str, year: int, month: int, day: int) -> str:
    year_text = FIRST_YEAR_TEXT if year == 1 else str(year)
    return f"{era}{year_text}年{month}月{day}日"


def format_seireki(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def date_values(name: str, day: date) -> dict[str, str]:
    """A date for a message in every form a translation may want: 1989年1月7日, 昭和64年1月7日
    and 1989-01-07 (readers of other languages may not know the 和暦 or 年月日 forms)."""
    shown_wareki = to_wareki(day) if day >= FIRST_SUPPORTED else format_seireki(day)
    return {
        name: format_seireki(day),
        f"{name}_wareki": shown_wareki,
        f"{name}_iso": day.isoformat(),
    }


def parse_wareki(era: str, year: int | str, month: int, day: int) -> date:
    """The Gregorian date of an era date; WarekiError says what is wrong and what is meant.

    Accepts 昭和 or S/s, year "元" or 1. Checks run from coarse to fine so the message points
    at the part the resident got wrong: the era, then the year, the month, the day, and only
    then whether the day falls inside the era (平成31年5月1日 is 令和元年5月1日).
    """
    found = _ERAS.get(era_name(era) or "") if isinstance(era, str) else None
    if found is None:
        raise WarekiError("date_era_unknown")
    number = parse_year(year)
    if number < 1:
        raise WarekiError(
            "date_era_year_too_small", era=found.name, era_latin=LATIN_NAMES[found.name]
        )
    if number > found.last_year:
        if not found.ended:
            raise WarekiError("date_after_supported")
        raise WarekiError(
            "date_era_year_too_large",
            era=found.name,
            era_latin=LATIN_NAMES[found.name],
            last_year=found.last_year,
            **date_values("last", found.last_day),
        )
    result = parse_gregorian(number + found.offset, month, day)
    if not found.first_day <= result <= found.last_day:
        right = wareki_parts(result)
        raise WarekiError(
            "date_outside_era",
            given=format_wareki(found.name, number, month, day),
            right_era=right[0],
            right_era_latin=LATIN_NAMES[right[0]],
            **date_values("right", result),
        )
    return result


def parse_gregorian(year: int, month: int, day: int) -> date:
    """A 西暦 date within the supported range; WarekiError names the part that is wrong."""
    if not all(_is_whole(part) for part in (year, month, day)):
        raise WarekiError("date_unreadable")
    if year < FIRST_SUPPORTED.year:
        raise WarekiError("date_before_supported")
    if year > LAST_SUPPORTED.year:
        raise WarekiError("date_after_supported")
    if not 1 <= month <= 12:
        raise WarekiError("date_no_such_month", month=month)
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise WarekiError("date_no_such_day", month=month, day=day, last_day=last_day)
    return date(year, month, day)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_year(value: object, *, gannen: bool = True) -> int:
    """The year number in 64, "64", "６４年" or (for an era year) "元"/"元年"; WarekiError
    "date_unreadable" otherwise. The one year reader of the kiosk: typed dates, the picker's
    answer and the picker's stored answer all come through here. Whether the year exists in
    its era is for parse_wareki to say."""
    if gannen and isinstance(value, str) and _bare(value, "年") == FIRST_YEAR_TEXT:
        return 1
    return _number(value, "年")


def parse_month(value: object) -> int:
    """1, "1", "１月" → 1; whether the month exists is for parse_gregorian to say."""
    return _number(value, "月")


def parse_day(value: object) -> int:
    return _number(value, "日")


def _number(value: object, unit: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise WarekiError("date_unreadable")
    text = _bare(value, unit)
    if text.isascii() and text.isdigit() and len(text) <= 4:
        return int(text)
    raise WarekiError("date_unreadable")


def _bare(text: str, unit: str) -> str:
    """The number without its unit; NFKC for the full-width digits (６４) of an IME."""
    return unicodedata.normalize("NFKC", text).strip().removesuffix(unit).strip()


def to_wareki(day: date) -> str:
    """Format as e.g. 令和8年11月26日; the first year of an era is written 元年."""
    for first_day, era, offset in ERAS:
        if day >= first_day:
            year = day.year - offset
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} is before 明治6年 (1873), which the kiosk does not show")


# -- dates relative to today ------------------------------------------------------------------


def days_from_today(today: date, days: int) -> date:
    """The date `days` calendar days after `today` (before it when negative; today is day 0).

    The one meaning of "N days before or after today" in the kiosk: the picker's きのう and
    おととい, and any range a page states relative to the day, count this way.
    """
    return today + timedelta(days=days)


def age_on(birth: date, day: date) -> int:
    """The age in whole years on `day`, as Japanese law counts it (年齢計算ニ関スル法律): a
    year of age is reached at the end of the day before the birthday, so someone born on
    1961-04-01 is 65 on 2026-03-31 (the day 65歳以上 starts to apply for insurance)."""
    counted = days_from_today(day, 1)  # the end of `day`, as the law counts
    years = counted.year - birth.year
    if (counted.month, counted.day) < (birth.month, birth.day):
        years -= 1
    return years
