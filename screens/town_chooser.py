"""The municipality's 町名 as buttons, found by the 50-on row of their reading (あ か さ …):
for a resident who does not know the postal code, and for an in-city address, whose town the
kana keyboard could not write in kanji anyway."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from core.area import MunicipalArea, Town
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.metrics import KIOSK, Metrics
from screens.number_pad import bound, key_style, touch_key
from screens.widgets import label


class TownChooser(QWidget):
    """[あ][か][さ]… over a page of town buttons, paged with ◀ ▶ when a row has many."""

    chosen = Signal(object)  # a core.area.Town

    def __init__(
        self,
        rows: tuple[tuple[str, tuple[Town, ...]], ...],
        t: Callable[..., str],
        metrics: Metrics = KIOSK,
        with_codes: bool = False,
    ) -> None:
        """with_codes: a town with several postal codes shows each (the postal code page)."""
        super().__init__()
        self.setObjectName("town_chooser")
        self.setStyleSheet(key_style(metrics))
        self._rows, self._t, self._metrics, self._with_codes = rows, t, metrics, with_codes
        self._row, self._page = 0, 0
        narrow = metrics.narrow
        self._columns, grid_rows = (2, 4) if narrow else (4, 3)
        spacing = metrics.key_spacing_px

        self.prompt = label(name="town_prompt")
        self.row_keys: list[QPushButton] = []
        tabs = QGridLayout()
        tabs.setSpacing(spacing)
        self._tab_group = QButtonGroup(self)
        per_tab_row = 5 if narrow else 10
        for index, (row, _) in enumerate(rows):
            key = touch_key(row, f"town_row_{index}", "glyph", metrics)
            key.setCheckable(True)
            key.clicked.connect(bound(self._choose_row, index))
            self._tab_group.addButton(key)
            tabs.addWidget(key, index // per_tab_row, index % per_tab_row)
            self.row_keys.append(key)

        self.town_keys: list[QPushButton] = []
        grid = QGridLayout()
        grid.setSpacing(spacing)
        for index in range(self._columns * grid_rows):
            key = touch_key("", f"town_{index}", "label" if narrow else "glyph", metrics)
            policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            policy.setRetainSizeWhenHidden(True)  # a short last page keeps the keys in place
            key.setSizePolicy(policy)
            key.clicked.connect(bound(self._choose_town, index))
            grid.addWidget(key, index // self._columns, index % self._columns)
            self.town_keys.append(key)

        self.previous_key = touch_key("", "town_previous", "label", metrics)
        self.next_key = touch_key("", "town_next", "label", metrics)
        self.page_note = label(role="entry_note", name="town_page", wrap=False)
        self.page_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_key.clicked.connect(lambda: self._turn(-1))
        self.next_key.clicked.connect(lambda: self._turn(+1))
        pages = QHBoxLayout()
        pages.setSpacing(spacing)
        pages.addWidget(self.previous_key, 1)
        pages.addWidget(self.page_note, 1)
        pages.addWidget(self.next_key, 1)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(spacing)
        column.addWidget(self.prompt)
        column.addLayout(tabs)
        column.addLayout(grid, 1)
        column.addLayout(pages)
        self.retranslate(t)

    def retranslate(self, t: Callable[..., str]) -> None:
        self._t = t
        self.prompt.setText(t("postal_town_prompt"))
        self.previous_key.setText(t("postal_previous"))
        self.next_key.setText(t("postal_next"))
        self._refresh()

    def _towns(self) -> tuple[Town, ...]:
        if not self._rows:
            return ()
        towns = self._rows[self._row][1]
        if self._with_codes:
            return towns
        seen: dict[str, Town] = {}
        for town in towns:
            seen.setdefault(town.name, town)
        return tuple(seen.values())

    def _page_count(self) -> int:
        return max(1, -(-len(self._towns()) // len(self.town_keys)))

    def _choose_row(self, index: int) -> None:
        self._row, self._page = index, 0
        self._refresh()

    def _turn(self, step: int) -> None:
        self._page = min(max(self._page + step, 0), self._page_count() - 1)
        self._refresh()

    def _choose_town(self, index: int) -> None:
        towns = self._towns()
        position = self._page * len(self.town_keys) + index
        if position < len(towns):
            self.chosen.emit(towns[position])

    def _refresh(self) -> None:
        towns = self._towns()
        names = [town.name for town in towns]
        start = self._page * len(self.town_keys)
        for index, key in enumerate(self.town_keys):
            town = towns[start + index] if start + index < len(towns) else None
            key.setVisible(town is not None)
            if town is None:
                continue
            text = town.name
            if self._with_codes and names.count(town.name) > 1:
                code = town.postal_code
                text += f"\n〒{code[:3]}-{code[3:]}"  # the same town under two codes
            key.setText(text)
        for index, key in enumerate(self.row_keys):
            key.setChecked(index == self._row)
        several = self._page_count() > 1
        for widget in (self.previous_key, self.next_key, self.page_note):
            widget.setVisible(several)
        self.previous_key.setEnabled(self._page > 0)
        self.next_key.setEnabled(self._page < self._page_count() - 1)
        self.page_note.setText(
            self._t("postal_page", page=self._page + 1, pages=self._page_count()) if several else ""
        )


class TownAddressEntry(QWidget):
    """An address in the municipality: the 町名 from buttons, then the 番地 and building typed
    (digits first) after it. The kiosk has no kanji keyboard: the town comes only this way."""

    changed = Signal(object)

    def __init__(
        self,
        initial: str,
        area: MunicipalArea,
        max_length: int,
        t: Callable[..., str],
        metrics: Metrics = KIOSK,
    ) -> None:
        super().__init__()
        self.setObjectName("town_address_entry")
        town = area.town_of(initial) if initial else None
        self._town: str | None = town
        rest = initial[initial.find(town) + len(town) :] if town and town in initial else ""
        self.chooser = TownChooser(area.rows(), t, metrics)
        self.keyboard = KanaKeyboard(
            rest, max_length, t, metrics=metrics, first_mode=KeyboardMode.DIGITS
        )
        self.again_key = touch_key("", "town_again", "label", metrics)
        self.again_key.clicked.connect(lambda: self._stack.setCurrentIndex(0))
        self.keyboard.known_row.addWidget(self.again_key)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.chooser)
        self._stack.addWidget(self.keyboard)
        self.chooser.chosen.connect(self._choose)
        self.keyboard.changed.connect(lambda _: self.changed.emit(self.value()))
        self.retranslate(t)
        if town is not None:
            self._choose_name(town)

    def retranslate(self, t: Callable[..., str]) -> None:
        self.chooser.retranslate(t)
        self.keyboard.retranslate(t)
        self.again_key.setText(t("postal_town_again"))

    def _choose(self, town: Town) -> None:
        self._choose_name(town.name)
        self.changed.emit(self.value())

    def _choose_name(self, name: str) -> None:
        self._town = name
        self.keyboard.set_known_part(name)
        self._stack.setCurrentIndex(1)

    def tab_for(self, key: QPushButton) -> QPushButton | None:
        return self.keyboard.tab_for(key) if self._stack.currentIndex() == 1 else None

    def value(self) -> str:
        """北一条西2丁目1番地: the town and what was typed after it ("" before a town)."""
        return f"{self._town}{self.keyboard.value()}" if self._town else ""

    def clear(self) -> None:
        self._town = None
        self.keyboard.clear()
        self._stack.setCurrentIndex(0)
