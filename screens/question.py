"""A question page: the question as the heading, one touch input, a plain-words error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog import FieldType, Page
from kiosk.flow import Progress
from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import PageFrame, big_button, label


class CopiesStepper(QWidget):
    """[− へらす]  2通  [＋ ふやす]: no typing needed for a small count."""

    def __init__(self, page: Page, value: int | None, t: Callable[..., str]) -> None:
        super().__init__()
        self._page, self._t = page, t
        self._value = value if value is not None else page.minimum
        row = QHBoxLayout(self)
        row.setSpacing(48)
        self.fewer = big_button(name="fewer")
        self.more = big_button(name="more")
        self.display = label(role="heading", name="copies_value", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumWidth(PRIMARY_TARGET_PX * 3)
        for button in (self.fewer, self.more):
            button.setMinimumSize(PRIMARY_TARGET_PX * 2, PRIMARY_TARGET_PX)
        row.addStretch(1)
        row.addWidget(self.fewer)
        row.addWidget(self.display)
        row.addWidget(self.more)
        row.addStretch(1)
        self.fewer.clicked.connect(lambda: self._step(-1))
        self.more.clicked.connect(lambda: self._step(+1))
        self._refresh()

    def _step(self, delta: int) -> None:
        self._value = min(self._page.maximum, max(self._page.minimum, self._value + delta))
        self._refresh()

    def _refresh(self) -> None:
        self.fewer.setText("－ " + self._t("fewer"))
        self.more.setText("＋ " + self._t("more"))
        self.display.setText(self._t("copies_unit", count=self._value))
        self.fewer.setEnabled(self._value > self._page.minimum)
        self.more.setEnabled(self._value < self._page.maximum)

    def value(self) -> int:
        return self._value

    def clear(self) -> None:
        self._value = self._page.minimum
        self._refresh()


class ChoiceButtons(QWidget):
    """One large checkable button per option; exactly one can be chosen."""

    def __init__(self, page: Page, value: Any, language: str) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setSpacing(24)
        self._group = QButtonGroup(self)
        self._buttons: dict[str, QPushButton] = {}
        for option in page.options:
            button = big_button(option.label.text(language), name=f"option_{option.value}")
            button.setCheckable(True)
            button.setMinimumHeight(PRIMARY_TARGET_PX)
            self._group.addButton(button)
            self._buttons[option.value] = button
            column.addWidget(button)
            if option.value == value:
                button.setChecked(True)

    def choose(self, value: str) -> None:
        self._buttons[value].click()

    def value(self) -> str | None:
        for value, button in self._buttons.items():
            if button.isChecked():
                return value
        return None

    def clear(self) -> None:
        self._group.setExclusive(False)
        for button in self._buttons.values():
            button.setChecked(False)
        self._group.setExclusive(True)


class QuestionScreen(PageFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("question")
        self.heading = label(role="heading", name="question_text")
        self.hint = label(role="small", name="hint")
        self.error = label(role="error", name="error")
        self.error.hide()
        self._input_host = QVBoxLayout()
        self.content.addWidget(self.heading)
        self.content.addWidget(self.hint)
        self.content.addLayout(self._input_host)
        self.content.addWidget(self.error)
        self.content.addStretch(1)
        self.input: CopiesStepper | ChoiceButtons | None = None

    def show_page(
        self,
        page: Page,
        answer: Any,
        progress: Progress,
        procedure_title: str,
        language: str,
        t: Callable[..., str],
    ) -> None:
        self.set_footer_texts(t)
        self.title.setText(procedure_title)
        self.progress.setText(
            t("progress", position=progress.position, total=progress.total)
            + "　"
            + t("progress_words", position=progress.position, total=progress.total)
        )
        self.heading.setText(page.question.text(language))
        self.hint.setText(page.hint.text(language) if page.hint else "")
        self.hint.setVisible(page.hint is not None)
        self.error.hide()
        if self.input is not None:
            self.input.setParent(None)
            self.input.deleteLater()
        if page.type is FieldType.COPIES:
            self.input = CopiesStepper(page, answer, t)
        else:
            self.input = ChoiceButtons(page, answer, language)
        self._input_host.addWidget(self.input)
        self.input.show()  # a layout only queues the show; a quick tap must find it there

    def value(self) -> Any:
        return self.input.value() if self.input is not None else None

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear(self) -> None:
        """Forget what is on screen (start over, idle, after finalize)."""
        if self.input is not None:
            self.input.clear()
        self.error.clear()
        self.error.hide()
