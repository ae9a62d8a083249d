"""The language overlay: reachable from every page, it changes the language and nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import Overlay, big_button


class LanguageOverlay(Overlay):
    language_chosen = Signal(str)

    def __init__(self, parent: QWidget, languages: dict[str, str]) -> None:
        super().__init__(parent, "language_choice")
        layout = QGridLayout(self)
        layout.setContentsMargins(64, 48, 64, 48)
        layout.setSpacing(24)
        self.buttons = {}
        # Two columns past four languages, so seven still fit the screen at full size.
        self._columns = 1 if len(languages) <= 4 else 2
        for index, (code, name) in enumerate(languages.items()):  # each in its own words
            button = big_button(name, name=f"choose_{code}")
            button.setMinimumSize(PRIMARY_TARGET_PX * 4, PRIMARY_TARGET_PX)
            button.clicked.connect(lambda _=False, c=code: self._choose(c))
            row, column = divmod(index, self._columns)
            layout.addWidget(button, row, column, Qt.AlignmentFlag.AlignCenter)
            self.buttons[code] = button

    def _choose(self, code: str) -> None:
        self.hide()
        self.language_chosen.emit(code)

    def open(self) -> None:
        parent = self.parentWidget()
        rows = -(-len(self.buttons) // self._columns)
        height = min(parent.height() - 80, rows * (PRIMARY_TARGET_PX + 24) + 96)
        width = self._columns * (PRIMARY_TARGET_PX * 4 + 24) + 104
        self.show_centered(width, height)
