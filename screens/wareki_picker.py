"""A 和暦 date picker: era, year, month and day as large buttons, the Gregorian year beside.

Older residents think in 和暦, and the traps are at the era boundaries (昭和64年 lasted seven
days, 平成31年 ended on 4月30日). The picker never offers a date that does not exist or lies
outside the allowed range, so those mistakes cannot be made; kiosk.validators still checks
the value it hands back.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from kiosk.wareki import ERAS, FIRST_SUPPORTED, LAST_SUPPORTED, era_name, wareki_parts
from screens.number_pad import KEY_SPACING_PX, KEY_STYLE, BoxedLabel, bound, touch_key
from screens.widgets import label

SEIREKI = ""  # the era value of a Gregorian date, as kiosk.validators reads the picker
# An explicit table, not a name built from the kanji: a missing era fails here, loudly.
_ERA_TEXT = {
    "令和": "date_era_reiwa",
    "平成": "date_era_heisei",
    "昭和": "date_era_showa",
    "大正": "date_era_taisho",
    "明治": "date_era_meiji",
    SEIREKI: "date_era_seireki",
}
YEAR_STEPS = (-10, -1, 1, 10)
_STEP_TEXT = {
    -10: "date_year_minus_10",
    -1: "date_year_minus_1",
    1: "date_year_plus_1",
    10: "date_year_plus_10",
}
DAYS_PER_ROW = 16  # 31 days in two rows: each row fits 1840 px with 15 mm keys
ERA_KEY_MIN_WIDTH = 200
STEP_KEY_MIN_WIDTH = 150


@dataclass(frozen=True)
class Era:
    name: str  # 令和 … or SEIREKI
    offset: int  # era year = Gregorian year − offset (0 for 西暦)
    first_day: date
    last_day: date


def _eras() -> tuple[Era, ...]:
    eras: list[Era] = []
    next_first_day: date | None = None
    for first_day, name, offset in ERAS:  # newest first, as the buttons are shown
        last_day = next_first_day - timedelta(days=1) if next_first_day else LAST_SUPPORTED
        eras.append(Era(name, offset, first_day, last_day))
        next_first_day = first_day
    eras.append(Era(SEIREKI, 0, FIRST_SUPPORTED, LAST_SUPPORTED))
    return tuple(eras)


ALL_ERAS = _eras()


def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


class WarekiPicker(QWidget):
    """元号 [令和][平成][昭和][大正][明治][西暦] / 年 [−10][−1] 昭和64年（1989年） [+1][+10] /
    月 1…12 / 日 1…31. What cannot be chosen is shown disabled (dashed), never hidden, so the
    buttons stay where the resident saw them."""

    changed = Signal(object)

    def __init__(
        self,
        initial: date | dict | str | None,
        t: Callable[..., str],
        earliest: date | None = None,
        latest: date | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("wareki_picker")
        self.setStyleSheet(KEY_STYLE)
        self._t = t
        self._low = max(earliest or FIRST_SUPPORTED, FIRST_SUPPORTED)
        self._high = min(latest or LAST_SUPPORTED, LAST_SUPPORTED)
        self._era: Era | None = None
        self._year: int | None = None  # the era's year number (the Gregorian year for 西暦)
        self._month: int | None = None
        self._day: int | None = None

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(KEY_SPACING_PX * 2)
        grid.setVerticalSpacing(KEY_SPACING_PX)
        self.row_labels = {
            key: label(name=key, wrap=False)
            for key in ("date_row_era", "date_row_year", "date_row_month", "date_row_day")
        }
        for row, (key, row_label) in enumerate(self.row_labels.items()):
            row_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row_label, row, 0, 2 if key == "date_row_day" else 1, 1)

        self.era_keys: dict[str, QPushButton] = {}
        self._era_group = QButtonGroup(self)
        era_row = self._row()
        for era in ALL_ERAS:
            key = touch_key("", f"date_era_{_ERA_TEXT[era.name].removeprefix('date_era_')}")
            key.setMinimumWidth(ERA_KEY_MIN_WIDTH)
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_era, era))
            self._era_group.addButton(key)
            self.era_keys[era.name] = key
            era_row.addWidget(key)
        grid.addLayout(era_row, 0, 1)

        self.year_keys: dict[int, QPushButton] = {}
        self.year_display = BoxedLabel("date_year")
        self.year_display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        year_row = self._row()
        for step in YEAR_STEPS:
            key = touch_key("", f"date_year_step_{step:+d}", "label")
            key.setMinimumWidth(STEP_KEY_MIN_WIDTH)
            key.clicked.connect(bound(self._step_year, step))
            self.year_keys[step] = key
        year_row.addWidget(self.year_keys[-10])
        year_row.addWidget(self.year_keys[-1])
        year_row.addWidget(self.year_display, 1)
        year_row.addWidget(self.year_keys[1])
        year_row.addWidget(self.year_keys[10])
        grid.addLayout(year_row, 1, 1)

        self.month_keys: dict[int, QPushButton] = {}
        self._month_group = QButtonGroup(self)
        month_row = self._row()
        for month in range(1, 13):
            key = touch_key("", f"date_month_{month}")
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_month, month))
            self._month_group.addButton(key)
            self.month_keys[month] = key
            month_row.addWidget(key)
        grid.addLayout(month_row, 2, 1)

        self.day_keys: dict[int, QPushButton] = {}
        self._day_group = QButtonGroup(self)
        days = QGridLayout()
        days.setSpacing(KEY_SPACING_PX)
        for day in range(1, 32):
            key = touch_key(str(day), f"date_day_{day}")
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_day, day))
            self._day_group.addButton(key)
            self.day_keys[day] = key
            days.addWidget(key, (day - 1) // DAYS_PER_ROW, (day - 1) % DAYS_PER_ROW)
        grid.addLayout(days, 3, 1, 2, 1)
        grid.setColumnStretch(1, 1)

        self._take_initial(initial)
        self.retranslate(t)

    @staticmethod
    def _row() -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(KEY_SPACING_PX)
        return row

    # -- what may be chosen ------------------------------------------------------------------

    def _span(self, era: Era) -> tuple[date, date] | None:
        """The days of `era` that may be chosen, or None when none may."""
        first, last = max(era.first_day, self._low), min(era.last_day, self._high)
        return (first, last) if first <= last else None

    def _years(self, era: Era) -> range:
        span = self._span(era)
        if span is None:
            return range(0)
        return range(span[0].year - era.offset, span[1].year - era.offset + 1)

    def _gregorian_year(self) -> int | None:
        if self._era is None or self._year is None:
            return None
        return self._year + self._era.offset

    def _month_offered(self, month: int) -> bool:
        year, span = self._gregorian_year(), self._span(self._era) if self._era else None
        if year is None or span is None:
            return False
        first, last = date(year, month, 1), date(year, month, _month_days(year, month))
        return first <= span[1] and last >= span[0]

    def _day_offered(self, day: int) -> bool:
        year, month = self._gregorian_year(), self._month
        span = self._span(self._era) if self._era else None
        if year is None or month is None or span is None or day > _month_days(year, month):
            return False
        return span[0] <= date(year, month, day) <= span[1]

    # -- choosing ----------------------------------------------------------------------------

    def _choose_era(self, era: Era) -> None:
        years = self._years(era)
        if not years:
            return
        gregorian = self._gregorian_year()
        if gregorian is not None and gregorian - era.offset in years:
            # Switching 昭和64年 to 平成 keeps the same Gregorian year (平成元年): a resident
            # may first think of the other name of the same year.
            self._year = gregorian - era.offset
        elif era.name == SEIREKI:
            self._year = min(max(date.today().year, years.start), years.stop - 1)
        else:
            self._year = years.start
        self._era = era
        self._changed()

    def _step_year(self, step: int) -> None:
        if self._era is None or self._year is None:
            return
        years = self._years(self._era)
        # ±10 stops at the first or last year instead of refusing: 昭和58年 + 10 → 昭和64年.
        self._year = min(max(self._year + step, years.start), years.stop - 1)
        self._changed()

    def _choose_month(self, month: int) -> None:
        self._month = month
        self._changed()

    def _choose_day(self, day: int) -> None:
        self._day = day
        self._changed()

    def _changed(self) -> None:
        # A month or day that the new year does not have is dropped, not moved to a
        # neighbour: the resident sees it unchosen and picks again.
        if self._month is not None and not self._month_offered(self._month):
            self._month = None
        if self._day is not None and not self._day_offered(self._day):
            self._day = None
        self._refresh()
        self.changed.emit(self.value())

    def _take_initial(self, initial: date | dict | str | None) -> None:
        if isinstance(initial, str):  # a stored answer is an ISO date (kiosk.validators)
            try:
                initial = date.fromisoformat(initial)
            except ValueError:
                initial = None
        if isinstance(initial, date) and initial >= FIRST_SUPPORTED:
            era_text, year, month, day = wareki_parts(initial)
            initial = {"era": era_text, "year": year, "month": month, "day": day}
        if not isinstance(initial, dict):
            return
        era_text = initial.get("era")
        found = era_name(era_text) if isinstance(era_text, str) and era_text else SEIREKI
        era = next((e for e in ALL_ERAS if e.name == found), None)
        year = _whole(initial.get("year"))
        if era is None or year is None or year not in self._years(era):
            return
        self._era, self._year = era, year
        self._month = _whole(initial.get("month"))
        self._day = _whole(initial.get("day"))
        if self._month is not None and not 1 <= self._month <= 12:
            self._month = None
        if self._day is not None and not 1 <= self._day <= 31:
            self._day = None
        self._changed()

    # -- showing -----------------------------------------------------------------------------

    def retranslate(self, t: Callable[..., str]) -> None:
        self._t = t
        for key, row_label in self.row_labels.items():
            row_label.setText(t(key))
        for name, key in self.era_keys.items():
            key.setText(t(_ERA_TEXT[name]))
        for step, key in self.year_keys.items():
            key.setText(t(_STEP_TEXT[step]))
        for month, key in self.month_keys.items():
            key.setText(t("date_month", month=month))
        self._refresh()

    def year_text(self) -> str:
        """昭和64年（1989年）, 令和元年（2019年）, 1989年; the prompt before an era is chosen."""
        t, era, year = self._t, self._era, self._year
        if era is None or year is None:
            return t("date_year_choose_era")
        if era.name == SEIREKI:
            return t("date_year_gregorian", year=year)
        # Only the first line: in やさしい日本語 the era's reading is on the button's second line.
        era_label = t(_ERA_TEXT[era.name]).splitlines()[0]
        gregorian = year + era.offset
        if year == 1:
            return t("date_year_wareki_first", era=era_label, gregorian=gregorian)
        return t("date_year_wareki", era=era_label, year=year, gregorian=gregorian)

    def _refresh(self) -> None:
        for era in ALL_ERAS:
            self.era_keys[era.name].setEnabled(bool(self._years(era)))
        years = self._years(self._era) if self._era else range(0)
        for step, key in self.year_keys.items():
            movable = self._year is not None and (
                self._year > years.start if step < 0 else self._year < years.stop - 1
            )
            key.setEnabled(movable)
        self.year_display.setText(self.year_text())
        for month, key in self.month_keys.items():
            key.setEnabled(self._month_offered(month))
        for day, key in self.day_keys.items():
            key.setEnabled(self._day_offered(day))
        _check_only(self._era_group, self.era_keys.get(self._era.name) if self._era else None)
        _check_only(self._month_group, self.month_keys.get(self._month or 0))
        _check_only(self._day_group, self.day_keys.get(self._day or 0))

    # -- the answer --------------------------------------------------------------------------

    def value(self) -> dict[str, Any]:
        """{"era": "昭和", "year": 64, "month": 1, "day": 7}; era "" with the Gregorian year for
        西暦; parts not chosen yet are None (the validator then asks for them)."""
        return {
            "era": self._era.name if self._era else SEIREKI,
            "year": self._year,
            "month": self._month,
            "day": self._day,
        }

    def clear(self) -> None:
        self._era = self._year = self._month = self._day = None
        self._refresh()
        self.changed.emit(self.value())


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().removesuffix("年")
        if text == "元":
            return 1
        return int(text) if text.isascii() and text.isdigit() else None
    return None


def _check_only(group: QButtonGroup, chosen: QPushButton | None) -> None:
    """Check one button of an exclusive group, or none (which an exclusive group refuses)."""
    group.setExclusive(False)
    for button in group.buttons():
        button.setChecked(button is chosen)
    group.setExclusive(True)
