"""The kanji of a name typed in kana, chosen by touch: large buttons for the spellings, the
variant forms and characters by a known word, with 「この中にない」 and 「かなのままにする」.

Only renders and collects: what is offered and what a touch does is core.name_choice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from core.name_choice import Choice, NameChoosing, Stage, name_text
from screens.metrics import KIOSK, Metrics
from screens.widgets import big_button, label


class NameCandidates(QWidget):
    """The stage after the kana keyboard on a kanji_name page."""

    retype_requested = Signal()  # よみを直す: back to the keyboard with the reading

    def __init__(
        self, choosing: NameChoosing, t: Callable[..., str], metrics: Metrics = KIOSK
    ) -> None:
        super().__init__()
        self.setObjectName("name_candidates")
        self._choosing, self._t, self._metrics = choosing, t, metrics
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(metrics.gap_px)
        self.heading = label(role="heading", name="name_heading")
        self.chosen = label(role="heading", name="name_chosen_text")
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(metrics.gap_px if metrics.narrow else 24)
        self.retype_button = big_button(t("name_retype"), name="name_retype", metrics=metrics)
        self.retype_button.clicked.connect(self.retype_requested)
        column.addWidget(self.heading)
        column.addWidget(self.chosen)
        column.addWidget(self._grid_host)
        column.addStretch(1)
        self.choice_buttons: list[tuple[Choice, QPushButton]] = []
        self._render()

    def _render(self) -> None:
        for _, button in self.choice_buttons:
            button.setParent(None)
            button.deleteLater()
        self.choice_buttons = []
        key, values = self._choosing.heading()
        self.heading.setText(self._t(key, **values))
        done = self._choosing.stage is Stage.DONE
        self.chosen.setVisible(done)
        if done:
            self.chosen.setText(name_text(self._choosing.answer(), self._t("name_not_confirmed")))
        columns = 2 if self._metrics.narrow else 3
        for index, choice in enumerate(self._choosing.choices()):
            button = big_button(
                self._face(choice), name=f"name_{choice.action}", metrics=self._metrics
            )
            button.setMinimumHeight(self._metrics.primary_target_px)
            button.clicked.connect(lambda _=False, c=choice: self._take(c))
            self._grid.addWidget(button, index // columns, index % columns)
            self.choice_buttons.append((choice, button))
            button.show()  # a layout only queues the show; a quick tap must find it there
        # In the grid, last: a row of its own would push the page past 1080 px.
        index = len(self.choice_buttons)
        self._grid.addWidget(self.retype_button, index // columns, index % columns)

    def _face(self, choice: Choice) -> str:
        if choice.key:
            return self._t(choice.key, kana=choice.value)
        return f"{choice.text}\n{choice.note}" if choice.note else choice.text

    def _take(self, choice: Choice) -> None:
        self._choosing.take(choice)
        self._render()

    # -- for the question page and for tests -----------------------------------------------

    def button(self, text: str = "", action: str = "") -> QPushButton:
        """The button of a spelling or character (text) or of an action."""
        return next(
            button
            for choice, button in self.choice_buttons
            if (text and choice.text == text) or (action and not text and choice.action == action)
        )

    def offered(self) -> list[str]:
        return [choice.text for choice, _ in self.choice_buttons if choice.text]

    def value(self) -> Any:
        return self._choosing.answer()
