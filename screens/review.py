"""Review (確認): every answer with its own change button, then one "submit"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QScroller, QVBoxLayout, QWidget

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
        self._rows.addStretch(1)
        # Long procedures (転居届 has a dozen answers) scroll inside the page, never past the
        # screen: large ▲ ▼ buttons for those who do not swipe, and a drag also scrolls.
        self.scroll = QScrollArea()
        self.scroll.setObjectName("review_rows")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self._rows_host)
        # The page's own background shows through (Qt paints a viewport grey by default).
        self.scroll.viewport().setAutoFillBackground(False)
        self._rows_host.setAutoFillBackground(False)
        self.scroll.setStyleSheet(
            "QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }"
        )
        QScroller.grabGesture(
            self.scroll.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        self.up_button = big_button(name="scroll_up")
        self.down_button = big_button(name="scroll_down")
        arrows = QVBoxLayout()
        arrows.setSpacing(24)
        arrows.addWidget(self.up_button)
        arrows.addStretch(1)
        arrows.addWidget(self.down_button)
        body = QHBoxLayout()
        body.setSpacing(24)
        body.addWidget(self.scroll, 1)
        body.addLayout(arrows)
        for widget in (self.heading, self.intro):
            self.content.addWidget(widget)
        self.content.addLayout(body, 1)
        self.content.addWidget(self.error)
        self.primary_button.setMinimumWidth(600)
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._update_arrows)
        bar.valueChanged.connect(self._update_arrows)
        self.up_button.clicked.connect(lambda: self._page(-1))
        self.down_button.clicked.connect(lambda: self._page(+1))
        self._update_arrows()

    def _page(self, direction: int) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.value() + direction * self.scroll.viewport().height() * 3 // 4)

    def _update_arrows(self, *_: object) -> None:
        bar = self.scroll.verticalScrollBar()
        scrolls = bar.maximum() > 0
        self.up_button.setVisible(scrolls)
        self.down_button.setVisible(scrolls)
        self.up_button.setEnabled(bar.value() > bar.minimum())
        self.down_button.setEnabled(bar.value() < bar.maximum())

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
        self.up_button.setText("▲ " + t("scroll_up"))
        self.down_button.setText("▼ " + t("scroll_down"))
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
        self._rows.insertWidget(self._rows.count() - 1, row)  # above the closing stretch
        row.show()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear_rows(self) -> None:
        while self._rows.count() > 1:  # every row, not the closing stretch
            widget = self._rows.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.scroll.verticalScrollBar().setValue(0)
