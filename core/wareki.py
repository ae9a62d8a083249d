"""和暦 (Japanese era) dates: display, entry and the checks that make entry safe.

Older residents read and type dates this way. Entry is where the traps are: 昭和64年 lasted
seven days, 平成31年 ended on 4月30日, and a resident may write 昭和65年 meaning 1990. Every
refusal carries a message key of assets/i18n/validation.toml and the values it needs.
"""

from __future__ import annotations

import calendar
import unicodedata
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


class _Era:
    def __init__(self, name: str, first_day: date, offset: int, next_first_day: date | None):
        self.name = name
        self.first_day = first_day
        self.offset = offset
        self.last_day = next_first_day - timedelta(days=1) if next_first_day else None

    @property
    def last_year(self) -> int:
        """The last year number the era reaches (for 令和: as far as the kiosk supports)."""
        return (self.last_day or LAST_SUPPORTED).year - self.offset


def _build_eras() -> dict[str, _Era]:
    eras: dict[str, _Era] = {}
    next_first_day: date | None = None
    for first_day, name, offset in ERAS:
        eras[name] = _Era(name, first_day, offset, next_first_day)
        next_first_day = first_day
    return eras


_ERAS = _build_eras()


def era_name(text: str) -> str | None:
    """The kanji name for 昭和, S, s, Ｓ or ㍼ (any form a resident or a picker may give)."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    name = _LETTERS.get(cleaned.upper(), cleaned)
    return name if name in _ERAS else None


def wareki_parts(day: date) -> tuple[str, int, int, int]:
    """(era, year, month, day), e.g. date(1989, 1, 7) → ("昭和", 64, 1, 7)."""
    for first_day, era, offset in ERAS:
        if day >= first_day:
            return era, day.year - offset, day.month, day.day
    raise WarekiError("date_before_supported")


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
    number = _year_number(year)
    if number < 1:
        raise WarekiError(
            "date_era_year_too_small", era=found.name, era_latin=LATIN_NAMES[found.name]
        )
    if number > found.last_year:
        if found.last_day is None:
            raise WarekiError("date_after_supported")
        raise WarekiError(
            "date_era_year_too_large",
            era=found.name,
            era_latin=LATIN_NAMES[found.name],
            last_year=found.last_year,
            **date_values("last", found.last_day),
        )
    result = parse_gregorian(number + found.offset, month, day)
    if result < found.first_day or (found.last_day is not None and result > found.last_day):
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


def _year_number(year: int | str) -> int:
    if isinstance(year, int) and not isinstance(year, bool):
        return year
    if not isinstance(year, str):
        raise WarekiError("date_unreadable")
    text = unicodedata.normalize("NFKC", year).strip().removesuffix("年")
    if text == FIRST_YEAR_TEXT:
        return 1
    if text.isascii() and text.isdigit() and len(text) <= 4:
        return int(text)
    raise WarekiError("date_unreadable")


def to_wareki(day: date) -> str:
    """Format as e.g. 令和8年11月26日; the first year of an era is written 元年."""
    for first_day, era, offset in ERAS:
        if day >= first_day:
            year = day.year - offset
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} is before 明治6年 (1873), which the kiosk does not show")
