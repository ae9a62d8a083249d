"""Keys shown one group at a time behind a row of tabs, for a screen too narrow for them all.

On a phone the 50-on chart's ten columns, a QWERTY row and the 和暦 picker's parts do not fit
at 48 px a key; each tab shows what its group starts with (あかさたな, はまやらわ), the way the
chart is recited, and the tab of the group on show stays marked.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from screens.metrics import Metrics
from screens.number_pad import bound, touch_key


class KeyGroups:
    """A tab row (`tab_row`) and the stack of groups (`stack`), placed by the keyboard."""

    def __init__(self, metrics: Metrics, name: str) -> None:
        self._metrics = metrics
        self._name = name
        self.tab_row = QWidget()
        self._tabs_layout = QHBoxLayout(self.tab_row)
        self._tabs_layout.setContentsMargins(0, 0, 0, 0)
        self._tabs_layout.setSpacing(metrics.key_spacing_px)
        self.stack = QStackedWidget()
        self.tabs: list[QPushButton] = []
        self._tab_group = QButtonGroup(self.tab_row)

    def add(self, page: QWidget, face: str) -> QPushButton:
        index = self.stack.addWidget(page)
        tab = touch_key(face, f"{self._name}_{index}", "label", self._metrics)
        tab.setCheckable(True)  # the theme marks the group on show by fill and border
        tab.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        tab.clicked.connect(bound(self.show, index))
        self._tab_group.addButton(tab)
        self._tabs_layout.addWidget(tab)
        self.tabs.append(tab)
        if index == 0:
            tab.setChecked(True)
        return tab

    def show(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.tabs[index].setChecked(True)

    def current(self) -> int:
        return self.stack.currentIndex()

    def tab_for(self, key: QWidget) -> QPushButton | None:
        """The tab to touch first so that `key` shows; None when it already does (or is not
        in these groups)."""
        for index in range(self.stack.count()):
            if self.stack.widget(index).isAncestorOf(key):
                return None if index == self.current() else self.tabs[index]
        return None
