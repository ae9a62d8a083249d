"""Review (確認): every answer with its own change button, then one "submit"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.fields import display_value
from kiosk.flow import ResidentSession
from kiosk.i18n import UiText
from screens.widgets import PageFrame, big_button, label

CHANGE_BUTTON_PX = 220


class ReviewScreen(PageFrame):
    change_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("review")
        self.heading = label(role="heading", name="heading")
        self.intro = label(name="intro")
        self.error = label(role="error", name="error")
        self.error.hide()
        self._rows_host = QWidget()
        self._rows = QVBoxLayout(self._rows_host)
        self._rows.setSpacing(16)
        for widget in (self.heading, self.intro, self._rows_host, self.error):
            self.content.addWidget(widget)
        self.content.addStretch(1)
        self.primary_button.setMinimumWidth(600)

    def show_session(
        self, session: ResidentSession, language: str, ui: UiText, t: Callable[..., str]
    ) -> None:
        self.set_footer_texts(t, primary_key="submit")
        procedure = session.procedure
        self.title.setText(procedure.title.text(language))
        self.progress.setText(t("review_heading"))
        self.heading.setText(t("review_heading"))
        self.intro.setText(t("review_intro"))
        self.error.hide()
        self.clear_rows()
        self._add_row(t("procedure_label"), procedure.title.text(language), None, t)
        for item in session.summary():
            answer = display_value(item.page, item.value, language, ui)
            self._add_row(item.page.question.text(language), answer, item.page.id, t)

    def _add_row(
        self, question: str, answer: str, page_id: str | None, t: Callable[..., str]
    ) -> None:
        row = QFrame()
        row.setProperty("role", "row")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        # One line per answer (question, answer, change) keeps long procedures on one screen.
        layout.addWidget(label(question, role="small"), 2)
        layout.addWidget(label(answer, name=f"answer_{page_id or 'procedure'}"), 3)
        if page_id is not None:
            button = big_button(t("change"), name=f"change_{page_id}")
            button.setMinimumWidth(CHANGE_BUTTON_PX)
            button.clicked.connect(lambda _=False, p=page_id: self.change_requested.emit(p))
            layout.addWidget(button)
        else:
            layout.addSpacing(CHANGE_BUTTON_PX)  # keep the answers in one column
        self._rows.addWidget(row)
        row.show()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear_rows(self) -> None:
        while self._rows.count():
            widget = self._rows.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
