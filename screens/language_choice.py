"""The language overlay: reachable from every page, it changes the language and nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import Overlay, big_button


class LanguageOverlay(Overlay):
    language_chosen = Signal(str)

    def __init__(self, parent: QWidget, languages: dict[str, str]) -> None:
        super().__init__(parent, "language_choice")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 48)
        layout.setSpacing(24)
        self.buttons = {}
        for code, name in languages.items():  # each language in its own words
            button = big_button(name, name=f"choose_{code}")
            button.setMinimumSize(PRIMARY_TARGET_PX * 4, PRIMARY_TARGET_PX)
            button.clicked.connect(lambda _=False, c=code: self._choose(c))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignCenter)
            self.buttons[code] = button

    def _choose(self, code: str) -> None:
        self.hide()
        self.language_chosen.emit(code)

    def open(self) -> None:
        parent = self.parentWidget()
        height = min(parent.height() - 80, len(self.buttons) * (PRIMARY_TARGET_PX + 24) + 96)
        width = PRIMARY_TARGET_PX * 4 + 128
        self.show_centered(width, height)
