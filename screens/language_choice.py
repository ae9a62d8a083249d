"""The language overlay: reachable from every page, it changes the language and nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button


class LanguageOverlay(Overlay):
    language_chosen = Signal(str)

    def __init__(
        self, parent: QWidget, languages: dict[str, str], metrics: Metrics = KIOSK
    ) -> None:
        super().__init__(parent, "language_choice", metrics)
        target = self._target = metrics.primary_target_px
        self._spacing = metrics.gap_px if metrics.narrow else 24
        layout = QGridLayout(self)
        if metrics.narrow:
            margin = metrics.overlay_margin_px
            layout.setContentsMargins(margin, margin, margin, margin)
        else:
            layout.setContentsMargins(64, 48, 64, 48)
        layout.setSpacing(self._spacing)
        self.buttons = {}
        # Two columns past four languages, so seven still fit the screen at full size; one on
        # a phone, where seven rows fit and two columns would not be wide enough.
        self._columns = 1 if len(languages) <= 4 or metrics.narrow else 2
        for index, (code, name) in enumerate(languages.items()):  # each in its own words
            button = big_button(name, name=f"choose_{code}", metrics=metrics)
            button.setMinimumSize(target * 4, target)
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
        height = min(parent.height() - 80, rows * (self._target + self._spacing) + 96)
        width = self._columns * (self._target * 4 + 24) + 104
        self.show_centered(width, height)
