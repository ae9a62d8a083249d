"""A 和暦 date picker: era, year, month and day as large buttons, the Gregorian year beside.

Older residents think in 和暦, and the traps are at the era boundaries (昭和64年 lasted seven
days, 平成31年 ended on 4月30日). The picker never offers a date that does not exist or lies
outside the allowed range, so those mistakes cannot be made; core.validators still checks
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
    QVBoxLayout,
    QWidget,
)

from core.wareki import ERAS, FIRST_SUPPORTED, LAST_SUPPORTED, era_name, wareki_parts
from screens.key_groups import KeyGroups
from screens.metrics import KIOSK, Metrics
from screens.number_pad import BoxedLabel, bound, key_style, touch_key
from screens.widgets import label

SEIREKI = ""  # the era value of a Gregorian date, as core.validators reads the picker
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
DAYS_PER_ROW = KIOSK.days_per_row  # 31 days in two rows: each fits 1840 px with 15 mm keys
ERA_KEY_MIN_WIDTH = 200
STEP_KEY_MIN_WIDTH = 150
# On a phone the parts are tabs (元号・年, 月, 日) over one part at a time, these many across.
PHONE_ERAS_PER_ROW = 3
PHONE_MONTHS_PER_ROW = 4


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
        metrics: Metrics = KIOSK,
    ) -> None:
        super().__init__()
        self.setObjectName("wareki_picker")
        self.setStyleSheet(key_style(metrics))
        self._metrics = metrics
        self._t = t
        self._low = max(earliest or FIRST_SUPPORTED, FIRST_SUPPORTED)
        self._high = min(latest or LAST_SUPPORTED, LAST_SUPPORTED)
        self._era: Era | None = None
        self._year: int | None = None  # the era's year number (the Gregorian year for 西暦)
        self._month: int | None = None
        self._day: int | None = None
        self.parts: KeyGroups | None = None  # the phone's tabs

        self.row_labels = {
            key: label(name=key, wrap=False)
            for key in ("date_row_era", "date_row_year", "date_row_month", "date_row_day")
        }
        self.era_keys: dict[str, QPushButton] = {}
        self._era_group = QButtonGroup(self)
        for era in ALL_ERAS:
            key = self._key("", f"date_era_{_ERA_TEXT[era.name].removeprefix('date_era_')}")
            key.setMinimumWidth(ERA_KEY_MIN_WIDTH if not metrics.narrow else 0)
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_era, era))
            self._era_group.addButton(key)
            self.era_keys[era.name] = key

        self.year_keys: dict[int, QPushButton] = {}
        self.year_display = BoxedLabel("date_year")
        self.year_display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for step in YEAR_STEPS:
            key = self._key("", f"date_year_step_{step:+d}", "label")
            key.setMinimumWidth(STEP_KEY_MIN_WIDTH if not metrics.narrow else 0)
            key.clicked.connect(bound(self._step_year, step))
            self.year_keys[step] = key

        self.month_keys: dict[int, QPushButton] = {}
        self._month_group = QButtonGroup(self)
        for month in range(1, 13):
            key = self._key("", f"date_month_{month}")
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_month, month))
            self._month_group.addButton(key)
            self.month_keys[month] = key

        self.day_keys: dict[int, QPushButton] = {}
        self._day_group = QButtonGroup(self)
        for day in range(1, 32):
            key = self._key(str(day), f"date_day_{day}")
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_day, day))
            self._day_group.addButton(key)
            self.day_keys[day] = key

        if metrics.narrow:
            self._phone_layout()
        else:
            self._kiosk_layout()
        self._take_initial(initial)
        self.retranslate(t)

    def _key(self, text: str, name: str, kind: str = "glyph") -> QPushButton:
        return touch_key(text, name, kind, self._metrics)

    def _kiosk_layout(self) -> None:
        """Four labelled rows: 元号, 年, 月 and 日 (two rows of days)."""
        spacing = self._metrics.key_spacing_px
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(spacing * 2)
        grid.setVerticalSpacing(spacing)
        for row, (key, row_label) in enumerate(self.row_labels.items()):
            row_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row_label, row, 0, 2 if key == "date_row_day" else 1, 1)
        era_row = self._row()
        for key in self.era_keys.values():
            era_row.addWidget(key)
        grid.addLayout(era_row, 0, 1)
        year_row = self._row()
        year_row.addWidget(self.year_keys[-10])
        year_row.addWidget(self.year_keys[-1])
        year_row.addWidget(self.year_display, 1)
        year_row.addWidget(self.year_keys[1])
        year_row.addWidget(self.year_keys[10])
        grid.addLayout(year_row, 1, 1)
        month_row = self._row()
        for key in self.month_keys.values():
            month_row.addWidget(key)
        grid.addLayout(month_row, 2, 1)
        days = QGridLayout()
        days.setSpacing(spacing)
        for day, key in self.day_keys.items():
            days.addWidget(key, (day - 1) // DAYS_PER_ROW, (day - 1) % DAYS_PER_ROW)
        grid.addLayout(days, 3, 1, 2, 1)
        grid.setColumnStretch(1, 1)

    def _phone_layout(self) -> None:
        """The year as chosen so far on top, then tabs 元号・年 | 月 | 日 over one part at a
        time: all four rows at 48 px a key would not fit under a question on a phone."""
        m = self._metrics
        for row_label in self.row_labels.values():
            row_label.setParent(self)  # the tabs name the parts; the row labels stay unseen
            row_label.hide()
        self.parts = KeyGroups(m, "date_part")
        era_year = QVBoxLayout()
        era_year.setContentsMargins(0, 0, 0, 0)
        era_year.setSpacing(m.key_spacing_px)
        era_year.addLayout(self._key_grid(list(self.era_keys.values()), PHONE_ERAS_PER_ROW), 2)
        steps = self._row()
        for step in YEAR_STEPS:
            steps.addWidget(self.year_keys[step])
        era_year.addLayout(steps, 1)
        months = self._key_grid(list(self.month_keys.values()), PHONE_MONTHS_PER_ROW)
        days = self._key_grid(list(self.day_keys.values()), m.days_per_row)
        for part in (era_year, months, days):
            page = QWidget()
            page.setLayout(part)
            self.parts.add(page, "")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(m.key_spacing_px)
        column.addWidget(self.year_display)
        column.addWidget(self.parts.tab_row)
        column.addWidget(self.parts.stack, 1)

    def _key_grid(self, keys: list[QPushButton], per_row: int) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(self._metrics.key_spacing_px)
        for index, key in enumerate(keys):
            grid.addWidget(key, index // per_row, index % per_row)
        return grid

    def tab_for(self, key: QPushButton) -> QPushButton | None:
        """On a phone, the part's tab to touch first so that `key` shows; None on the kiosk
        or when it already shows."""
        return self.parts.tab_for(key) if self.parts is not None else None

    def _row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(self._metrics.key_spacing_px)
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
        if self.parts is not None:
            self.parts.show(2)  # the day comes next

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
        if isinstance(initial, str):  # a stored answer is an ISO date (core.validators)
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
        if self.parts is not None:
            self._label_parts()

    def _label_parts(self) -> None:
        """The tabs say which part they hold and, once chosen, what: 月：1月, 日：7."""
        t = self._t
        era_year = f"{t('date_row_era')}・{t('date_row_year')}"
        month = t("date_row_month")
        if self._month is not None:
            month += "：" + t("date_month", month=self._month)
        day = t("date_row_day")
        if self._day is not None:
            day += f"：{self._day}"
        for tab, face in zip(self.parts.tabs, (era_year, month, day), strict=True):
            tab.setText(face)

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
