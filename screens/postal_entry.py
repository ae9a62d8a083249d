"""Postal code entry: seven digits on a number pad, then the addresses of that code as large
buttons, one of which the resident chooses.

One code can stand for several towns, even in different prefectures, so the kiosk never picks
one itself. The addresses come from a function handed in (core.validators.address_candidates
through services): screens do not open the postal database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from core.area import Town
from screens.key_groups import KeyGroups
from screens.metrics import KIOSK, Metrics
from screens.number_pad import NumberPad, bound, key_style
from screens.town_chooser import TownChooser
from screens.widgets import label

CODE_DIGITS = 7
CANDIDATES_PER_PAGE = 3  # three two-line buttons and the page keys fit 560 px in height
CANDIDATE_PX = KIOSK.candidate_px
PAD_WIDTH_PX = 600
Candidate = dict[str, str]


def _style(metrics: Metrics) -> str:
    side = 8 if metrics.narrow else 24
    return f"""
QPushButton[role="candidate"] {{ font-size: {metrics.candidate_px}px; padding: 4px {side}px;
    text-align: left; }}
QPushButton[role="page"] {{ font-size: {metrics.key_label_px}px; padding: 0px {side}px; }}
"""


def candidate_text(candidate: Candidate) -> str:
    """東京都 千代田区 / 千代田: the town on its own line, so long names stay readable."""
    first = " ".join(part for part in (candidate.get("prefecture"), candidate.get("city")) if part)
    town = candidate.get("town") or ""
    return f"{first}\n{town}" if town else first


class PostalEntry(QWidget):
    """[〒123-4567 and the number pad] [the addresses of the code, to choose one]; on a phone
    the two are tabs, and the addresses come up by themselves once the code is complete."""

    changed = Signal(object)

    def __init__(
        self,
        initial: str | dict[str, Any] | None,
        t: Callable[..., str],
        candidates: Callable[[str], list[Candidate]],
        metrics: Metrics = KIOSK,
        towns: tuple[tuple[str, tuple[Town, ...]], ...] = (),
        everywhere: Callable[[str], list[Candidate]] | None = None,
        city: str = "",
    ) -> None:
        """towns: the municipality's 町名 by 50-on row, for a resident who does not know the
        code (an in-city page): "郵便番号がわからない" shows them as buttons. everywhere and
        city (an in-city page): a code with addresses only outside the city is said to be
        outside it, not "not found"."""
        super().__init__()
        self.setObjectName("postal_entry")
        # On a phone the tabs are keys of this widget's own: they take the keys' sizes too.
        self.setStyleSheet((key_style(metrics) if metrics.narrow else "") + _style(metrics))
        self._metrics = m = metrics
        spacing = m.key_spacing_px
        self.steps: KeyGroups | None = None  # the phone's tabs
        self._lookup = candidates
        self._everywhere = everywhere
        self._city = city
        self._outside = False  # the code is a real one, outside the municipality
        self._candidates: list[Candidate] = []
        self._chosen: Candidate | None = None
        self._page = 0
        code, chosen = _initial_code(initial)

        self.pad = NumberPad(code, t, max_digits=CODE_DIGITS, group=(3, 4), prefix="〒", metrics=m)
        self.status = label(name="postal_status")
        self.candidate_keys: list[QPushButton] = []
        self._group = QButtonGroup(self)
        buttons = QVBoxLayout()
        buttons.setSpacing(spacing * (1 if m.narrow else 2))
        buttons.setAlignment(Qt.AlignmentFlag.AlignTop)
        for index in range(CANDIDATES_PER_PAGE):
            key = QPushButton()
            key.setObjectName(f"postal_candidate_{index}")
            key.setProperty("role", "candidate")
            key.setCheckable(True)
            key.setMinimumHeight(m.primary_target_px)
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            key.setCursor(Qt.CursorShape.PointingHandCursor)
            key.clicked.connect(bound(self._choose, index))
            self._group.addButton(key)
            self.candidate_keys.append(key)
            buttons.addWidget(key)

        self.previous_key = self._page_key("postal_previous", -1)
        self.next_key = self._page_key("postal_next", +1)
        self.page_note = label(role="entry_note", name="postal_page", wrap=False)
        self.page_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Everything above goes on the entry page; the town chooser is the other page.
        self.unknown_key = self._page_key("postal_unknown", 0)
        self.unknown_key.clicked.disconnect()
        self.unknown_key.clicked.connect(lambda: self._show_towns(True))
        self.unknown_key.setVisible(bool(towns))
        self._entry_page = QWidget()
        if m.narrow:
            self._phone_layout(buttons)
        else:
            self._kiosk_layout(buttons)
        self.chooser = TownChooser(towns, t, m, with_codes=True) if towns else None
        self._pages = QStackedLayout(self)
        self._pages.addWidget(self._entry_page)
        if self.chooser is not None:
            chooser_page = QWidget()
            chooser_column = QVBoxLayout(chooser_page)
            chooser_column.setContentsMargins(0, 0, 0, 0)
            chooser_column.addWidget(self.chooser, 1)
            self.code_key = self._page_key("postal_enter_code", 0)
            self.code_key.clicked.disconnect()
            self.code_key.clicked.connect(lambda: self._show_towns(False))
            chooser_column.addWidget(self.code_key, 0, Qt.AlignmentFlag.AlignLeft)
            self._pages.addWidget(chooser_page)
            self.chooser.chosen.connect(self._choose_town)

        self.retranslate(t)
        self.pad.changed.connect(self._code_changed)
        self._code_changed(self.pad.value())
        if chosen in self._candidates:
            self._chosen = chosen
            self._page = self._candidates.index(chosen) // CANDIDATES_PER_PAGE
            self._refresh()

    def _kiosk_layout(self, buttons: QVBoxLayout) -> None:
        spacing = self._metrics.key_spacing_px
        # The pad keeps one width; every other pixel goes to the addresses, which are long.
        self.pad.setFixedWidth(PAD_WIDTH_PX)
        # More addresses than fit are paged with keys beside the list, not below it: the
        # height is all taken by three two-line buttons.
        pages = QVBoxLayout()
        pages.setSpacing(spacing * 2)
        pages.addWidget(self.previous_key)
        pages.addWidget(self.page_note)
        pages.addWidget(self.next_key)
        pages.addStretch(1)

        listing = QHBoxLayout()
        listing.setSpacing(spacing * 2)
        listing.addLayout(buttons, 1)
        listing.addLayout(pages)
        choice = QVBoxLayout()
        choice.setSpacing(spacing * 2)
        choice.addWidget(self.status)
        choice.addLayout(listing)
        choice.addStretch(1)
        choice.addWidget(self.unknown_key, 0, Qt.AlignmentFlag.AlignLeft)
        # Room for a whole address line; also keeps the wrapped prompt from being squeezed
        # into a column one character wide when the pad asks for its width first.
        self.status.setMinimumWidth(self._metrics.primary_target_px * 6)

        row = QHBoxLayout(self._entry_page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(spacing * 6)  # the pad and the addresses are two steps
        row.addWidget(self.pad)
        row.addLayout(choice, 1)

    def _phone_layout(self, buttons: QVBoxLayout) -> None:
        """Tabs 〒 郵便番号 | 住所 over the pad or the addresses: side by side they would need
        twice the phone's width. The page keys go under the list."""
        spacing = self._metrics.key_spacing_px
        self.steps = KeyGroups(self._metrics, "postal_step")
        self.steps.add(self.pad, "")
        pages = QHBoxLayout()
        pages.setSpacing(spacing)
        pages.addWidget(self.previous_key, 1)
        pages.addWidget(self.page_note)
        pages.addWidget(self.next_key, 1)
        choice = QVBoxLayout()
        choice.setContentsMargins(0, 0, 0, 0)
        choice.setSpacing(spacing)
        choice.addWidget(self.status)
        choice.addLayout(buttons)
        choice.addLayout(pages)
        choice.addStretch(1)
        addresses = QWidget()
        addresses.setLayout(choice)
        self.steps.add(addresses, "")
        column = QVBoxLayout(self._entry_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(spacing)
        column.addWidget(self.steps.tab_row)
        column.addWidget(self.steps.stack, 1)
        column.addWidget(self.unknown_key)

    def tab_for(self, key: QPushButton) -> QPushButton | None:
        """On a phone, the tab to touch first so that `key` shows; None on the kiosk or when
        it already shows."""
        return self.steps.tab_for(key) if self.steps is not None else None

    def _page_key(self, name: str, step: int) -> QPushButton:
        key = QPushButton()
        key.setObjectName(name)
        key.setProperty("role", "page")
        m = self._metrics
        key.setMinimumSize(
            m.min_target_px if m.narrow else m.primary_target_px * 2, m.min_target_px
        )
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setCursor(Qt.CursorShape.PointingHandCursor)
        key.clicked.connect(lambda: self._turn(step))
        return key

    def retranslate(self, t: Callable[..., str]) -> None:
        self._t = t
        self.pad.retranslate(t)
        self.unknown_key.setText(t("postal_unknown"))
        if self.chooser is not None:
            self.chooser.retranslate(t)
            self.code_key.setText(t("postal_enter_code"))
        self.previous_key.setText(t("postal_previous"))
        self.next_key.setText(t("postal_next"))
        if self.steps is not None:
            for tab, key in zip(
                self.steps.tabs, ("postal_tab_code", "postal_tab_address"), strict=True
            ):
                tab.setText(t(key))
        if hasattr(self, "_shown_status"):
            self._refresh()

    def _code_changed(self, code: str) -> None:
        # Any change to the code forgets the addresses of the old one, and the choice too.
        self._chosen = None
        self._page = 0
        self._candidates = self._lookup(code) if len(code) == CODE_DIGITS else []
        self._outside = (
            len(code) == CODE_DIGITS
            and not self._candidates
            and self._everywhere is not None
            and bool(self._everywhere(code))
        )
        self._refresh()
        if self.steps is not None and len(code) == CODE_DIGITS:
            self.steps.show(1)  # the addresses of the code (or why there are none) come next
        self.changed.emit(self.value())

    def _show_towns(self, shown: bool) -> None:
        self._pages.setCurrentIndex(1 if shown and self.chooser is not None else 0)

    def _choose_town(self, town: Town) -> None:
        """A town chosen by name: its code, and the town among the code's addresses."""
        self.pad.set_value(town.postal_code)  # looks the code's addresses up
        if town.candidate() in self._candidates:
            self._chosen = town.candidate()
            self._page = self._candidates.index(self._chosen) // CANDIDATES_PER_PAGE
            self._refresh()
            self.changed.emit(self.value())
        self._show_towns(False)

    def _choose(self, index: int) -> None:
        position = self._page * CANDIDATES_PER_PAGE + index
        if position < len(self._candidates):
            self._chosen = self._candidates[position]
            self._refresh()
            self.changed.emit(self.value())

    def _turn(self, step: int) -> None:
        self._page = min(max(self._page + step, 0), self._page_count() - 1)
        self._refresh()

    def _page_count(self) -> int:
        return max(1, -(-len(self._candidates) // CANDIDATES_PER_PAGE))

    def _refresh(self) -> None:
        code_complete = len(self.pad.value()) == CODE_DIGITS
        if not code_complete:
            self._shown_status = "postal_enter"
        elif self._outside:
            self._shown_status = "postal_outside_city"
        elif not self._candidates:
            self._shown_status = "postal_not_found"
        else:
            self._shown_status = "postal_choose"
        code = self.pad.value()
        shown_code = f"{code[:3]}-{code[3:]}"
        self.status.setText(self._t(self._shown_status, code=shown_code, city=self._city))
        start = self._page * CANDIDATES_PER_PAGE
        shown = self._candidates[start : start + CANDIDATES_PER_PAGE]
        self._group.setExclusive(False)
        for index, key in enumerate(self.candidate_keys):
            candidate = shown[index] if index < len(shown) else None
            key.setVisible(candidate is not None)
            key.setText(candidate_text(candidate) if candidate else "")
            key.setChecked(candidate is not None and candidate == self._chosen)
        self._group.setExclusive(True)
        several_pages = self._page_count() > 1
        for widget in (self.previous_key, self.next_key, self.page_note):
            widget.setVisible(several_pages)
        self.previous_key.setEnabled(self._page > 0)
        self.next_key.setEnabled(self._page < self._page_count() - 1)
        self.page_note.setText(
            self._t("postal_page", page=self._page + 1, pages=self._page_count())
            if several_pages
            else ""
        )

    def candidates(self) -> list[Candidate]:
        return list(self._candidates)

    def value(self) -> dict[str, Any] | str:
        """{"code": "1000001", "chosen": {…}} once an address is chosen, else the digits."""
        if self._chosen is not None:
            return {"code": self.pad.value(), "chosen": dict(self._chosen)}
        return self.pad.value()

    def clear(self) -> None:
        self.pad.clear()  # emits changed, which forgets the addresses and the choice


def _initial_code(initial: str | dict[str, Any] | None) -> tuple[str, Candidate | None]:
    if isinstance(initial, dict):
        code, chosen = initial.get("code"), initial.get("chosen")
        return (code if isinstance(code, str) else ""), (
            chosen if isinstance(chosen, dict) else None
        )
    return (initial if isinstance(initial, str) else ""), None
