"""A 和暦 date picker: era, year, month and day as large buttons, the Gregorian year beside.

Older residents think in 和暦, and the traps are at the era boundaries (昭和64年 lasted seven
days, 平成31年 ended on 4月30日). The picker never offers a date that does not exist or lies
outside the allowed range, so those mistakes cannot be made; core.validators still checks
the value it hands back. What may be offered, and what a change keeps, is core.date_picking's
DateDraft: this widget shows it and turns touches into its changes.

A page about a day just past (opens_on "today") opens on this year and month with 今日・きのう・
おととい as one touch each: nobody should have to know which 令和 year it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
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

from core.date_picking import DateDraft, DateOpening, RecentChoice, SelectableDates
from core.wareki import ERA_SPANS, SEIREKI, EraSpan, wareki_years
from screens.key_groups import KeyGroups
from screens.metrics import KIOSK, Metrics
from screens.number_pad import BOX_BORDER_PX, BoxedLabel, bound, key_style, touch_key
from screens.widgets import label

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


class WarekiPicker(QWidget):
    """(すぐ選ぶ [今日 6月10日][きのう 6月9日][おととい 6月8日]) / 元号 [令和][平成][昭和][大正]
    [明治][西暦] / 年 [−10][−1] 昭和64年（1989年） [+1][+10] / 月 1…12 / 日 1…31. What cannot
    be chosen is shown disabled (dashed), never hidden, so the buttons stay where the resident
    saw them."""

    changed = Signal(object)

    def __init__(
        self,
        initial: date | dict | str | None,
        t: Callable[..., str],
        earliest: date | None = None,
        latest: date | None = None,
        metrics: Metrics = KIOSK,
        opens_on: DateOpening = DateOpening.ERA,
        today: date | None = None,
        dates: SelectableDates | None = None,
    ) -> None:
        """dates: the days the page allows (core.date_rules.allowed_dates, the definition the
        validator and the messages share); else earliest and latest."""
        super().__init__()
        self.setObjectName("wareki_picker")
        self.setStyleSheet(key_style(metrics))
        self._metrics = metrics
        self._t = t
        self._today = today or date.today()
        dates = dates if dates is not None else SelectableDates.between(earliest, latest)
        self._draft = DateDraft.start(initial, dates, opens_on, self._today)
        self.parts: KeyGroups | None = None  # the phone's tabs

        # A page about a day just past counts 西暦 years (each shown with its 和暦 name) and
        # offers 今日・きのう・おととい instead of the era row
        # (core.date_picking.DateOpening.TODAY).
        near_today = opens_on is DateOpening.TODAY
        self._recent: tuple[RecentChoice, ...] = dates.recent(self._today) if near_today else ()
        self.recent_keys: list[QPushButton] = []
        for index, choice in enumerate(self._recent):
            # The one touch most residents need here: as large as the page's own actions on
            # the kiosk (a phone shows the name above the date, in two lines of key labels).
            key = self._key("", f"date_recent_{index}", "label" if metrics.narrow else "glyph")
            # Two lines of key labels (1.5 lines each with the border) on a phone.
            two_lines = metrics.key_label_px * 3 + 2 * BOX_BORDER_PX + 4
            key.setMinimumHeight(two_lines if metrics.narrow else metrics.primary_target_px)
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_recent, choice))
            self.recent_keys.append(key)
        rows = ("date_row_recent",) if near_today else ("date_row_era",)
        rows += ("date_row_year", "date_row_month", "date_row_day")
        self.row_labels = {key: label(name=key, wrap=False) for key in rows}
        self.era_keys: dict[str, QPushButton] = {}
        self._era_group = QButtonGroup(self)
        for era in () if near_today else ERA_SPANS:
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
        self.retranslate(t)
        if self.parts is not None and self._draft.month is not None:
            self.parts.show(2)  # opened on a month already: the days are what is left

    def _key(self, text: str, name: str, kind: str = "glyph") -> QPushButton:
        return touch_key(text, name, kind, self._metrics)

    def _kiosk_layout(self) -> None:
        """Labelled rows: (すぐ選ぶ,) 元号, 年, 月 and 日 (two rows of days)."""
        spacing = self._metrics.key_spacing_px
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(spacing * 2)
        grid.setVerticalSpacing(spacing)
        for row, (key, row_label) in enumerate(self.row_labels.items()):
            row_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(row_label, row, 0, 2 if key == "date_row_day" else 1, 1)
        # The first row: 今日・きのう・おととい on a page about a day just past, else the eras.
        first_row = self._row()
        for key in self.recent_keys or list(self.era_keys.values()):
            first_row.addWidget(key)
        year_row = self._row()
        year_row.addWidget(self.year_keys[-10])
        year_row.addWidget(self.year_keys[-1])
        year_row.addWidget(self.year_display, 1)
        year_row.addWidget(self.year_keys[1])
        year_row.addWidget(self.year_keys[10])
        month_row = self._row()
        for key in self.month_keys.values():
            month_row.addWidget(key)
        rows = [first_row, year_row, month_row]
        for row, layout in enumerate(rows):
            grid.addLayout(layout, row, 1)
        days = QGridLayout()
        days.setSpacing(spacing)
        for day, key in self.day_keys.items():
            days.addWidget(key, (day - 1) // DAYS_PER_ROW, (day - 1) % DAYS_PER_ROW)
        grid.addLayout(days, len(rows), 1, 2, 1)
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
        if self.era_keys:
            era_keys = list(self.era_keys.values())
            era_year.addLayout(self._key_grid(era_keys, PHONE_ERAS_PER_ROW), 2)
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
        if self.recent_keys:
            recent_row = self._row()
            for key in self.recent_keys:
                recent_row.addWidget(key)
            column.addLayout(recent_row)
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

    # -- choosing ----------------------------------------------------------------------------

    def _choose_era(self, era: EraSpan) -> None:
        self._change(self._draft.with_era(era, self._today))

    def _choose_recent(self, choice: RecentChoice) -> None:
        self._change(self._draft.on_date(choice.day))
        self._refresh()  # the key's own toggle is undone where the day was already chosen
        if self.parts is not None:
            self.parts.show(2)  # the chosen day, marked

    def _step_year(self, step: int) -> None:
        self._change(self._draft.stepped(step))

    def _choose_month(self, month: int) -> None:
        self._change(self._draft.with_month(month))
        if self.parts is not None:
            self.parts.show(2)  # the day comes next

    def _choose_day(self, day: int) -> None:
        self._change(self._draft.with_day(day))

    def _change(self, draft: DateDraft) -> None:
        if draft is self._draft:
            return  # refused (a disabled key, a step past the era): nothing changed
        self._draft = draft
        self._refresh()
        self.changed.emit(self.value())

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
        # On a phone the name above the date (three keys share 366 px); one line on the kiosk.
        between = "\n" if self._metrics.narrow else "　"
        for key, choice in zip(self.recent_keys, self._recent, strict=True):
            day = choice.day
            key.setText(
                t(choice.name_key) + between + t("date_month_day", month=day.month, day=day.day)
            )
        self._refresh()

    def year_text(self) -> str:
        """昭和64年（1989年）, 令和元年（2019年）, 1989年; the prompt before an era is chosen."""
        t, draft = self._t, self._draft
        if draft.era is None or draft.year is None:
            return t("date_year_choose_era")
        if draft.era.name == SEIREKI and self._recent:
            # Years counted in 西暦 on a page about a day just past: 和暦 name(s) first, as
            # residents know them (平成31年・令和元年（2019年）).
            names = t("date_names_joiner").join(
                self._era_year(name, year) for name, year in wareki_years(draft.year)
            )
            if names:
                return t("date_year_named", names=names, gregorian=draft.year)
        if draft.era.name == SEIREKI:
            return t("date_year_gregorian", year=draft.year)
        # Only the first line: in やさしい日本語 the era's reading is on the button's second line.
        era_label = t(_ERA_TEXT[draft.era.name]).splitlines()[0]
        gregorian = draft.gregorian_year
        if draft.year == 1:
            return t("date_year_wareki_first", era=era_label, gregorian=gregorian)
        return t("date_year_wareki", era=era_label, year=draft.year, gregorian=gregorian)

    def _era_year(self, era: str, year: int) -> str:
        # Only the first line: in やさしい日本語 the era's reading is on the button's second line.
        era_label = self._t(_ERA_TEXT[era]).splitlines()[0]
        if year == 1:
            return self._t("date_era_year_first", era=era_label)
        return self._t("date_era_year", era=era_label, year=year)

    def _refresh(self) -> None:
        draft = self._draft
        for era in ERA_SPANS:
            if era.name in self.era_keys:
                self.era_keys[era.name].setEnabled(bool(draft.dates.years(era)))
        for step, key in self.year_keys.items():
            key.setEnabled(draft.can_step(step))
        self.year_display.setText(self.year_text())
        months, days = draft.months(), draft.days()
        for month, key in self.month_keys.items():
            key.setEnabled(month in months)
        for day, key in self.day_keys.items():
            key.setEnabled(day in days)
        chosen = draft.chosen_date()
        for key, choice in zip(self.recent_keys, self._recent, strict=True):
            key.setEnabled(choice.selectable)
            key.setChecked(chosen == choice.day)
        _check_only(self._era_group, self.era_keys.get(draft.era.name) if draft.era else None)
        _check_only(self._month_group, self.month_keys.get(draft.month or 0))
        _check_only(self._day_group, self.day_keys.get(draft.day or 0))
        if self.parts is not None:
            self._label_parts()

    def _label_parts(self) -> None:
        """The tabs say which part they hold and, once chosen, what: 月：1月, 日：7."""
        t = self._t
        era_year = (
            f"{t('date_row_era')}・{t('date_row_year')}" if self.era_keys else t("date_row_year")
        )
        month = t("date_row_month")
        if self._draft.month is not None:
            month += "：" + t("date_month", month=self._draft.month)
        day = t("date_row_day")
        if self._draft.day is not None:
            day += f"：{self._draft.day}"
        for tab, face in zip(self.parts.tabs, (era_year, month, day), strict=True):
            tab.setText(face)

    # -- the answer --------------------------------------------------------------------------

    def value(self) -> dict[str, Any]:
        """{"era": "昭和", "year": 64, "month": 1, "day": 7}; era "" with the Gregorian year for
        西暦; parts not chosen yet are None (the validator then asks for them)."""
        return self._draft.answer()

    def clear(self) -> None:
        self._change(self._draft.cleared())


def _check_only(group: QButtonGroup, chosen: QPushButton | None) -> None:
    """Check one button of an exclusive group, or none (which an exclusive group refuses)."""
    group.setExclusive(False)
    for button in group.buttons():
        button.setChecked(button is chosen)
    group.setExclusive(True)
