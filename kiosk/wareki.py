"""和暦 (Japanese era) dates for display. Older residents read dates this way."""

from __future__ import annotations

from datetime import date

# (first day, kanji name, offset from the Gregorian year). Newest first.
ERAS: tuple[tuple[date, str, int], ...] = (
    (date(2019, 5, 1), "令和", 2018),
    (date(1989, 1, 8), "平成", 1988),
    (date(1926, 12, 25), "昭和", 1925),
    (date(1912, 7, 30), "大正", 1911),
    (date(1873, 1, 1), "明治", 1867),  # the Gregorian calendar's adoption in Japan
)


def to_wareki(day: date) -> str:
    """Format as e.g. 令和8年11月26日; the first year of an era is written 元年."""
    for first_day, era, offset in ERAS:
        if day >= first_day:
            year = day.year - offset
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} is before 明治6年 (1873), which the kiosk does not show")
