"""Shared touch widgets and the page frame every resident screen sits in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.theme import GAP_PX, MIN_TARGET_PX, PRIMARY_TARGET_PX


def big_button(text: str = "", role: str = "", name: str = "") -> QPushButton:
    """A touch button: every action is a primary-size target (≥ 20 mm) unless made larger."""
    button = QPushButton(text)
    button.setMinimumSize(PRIMARY_TARGET_PX, PRIMARY_TARGET_PX)
    if role:
        button.setProperty("role", role)
    if name:
        button.setObjectName(name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch only: no focus rectangles
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def label(text: str = "", role: str = "", name: str = "", wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return widget


class PageFrame(QWidget):
    """Header (title, practice mark, progress), content, and the footer every page shares.

    The footer always offers もどる, 最初から and 職員を呼ぶ (where they make sense) and one
    primary action on the right.
    """

    back_requested = Signal()
    start_over_requested = Signal()
    staff_requested = Signal()
    primary_requested = Signal()
    language_requested = Signal()

    def __init__(
        self, *, show_back: bool = True, show_start_over: bool = True, show_primary: bool = True
    ) -> None:
        super().__init__()
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.setSpacing(GAP_PX)

        header = QHBoxLayout()
        self.title = label(role="small", name="page_title")
        self.practice_badge = label(role="badge", name="practice_badge", wrap=False)
        self.practice_badge.hide()
        self.progress = label(role="small", name="progress", wrap=False)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Language can be changed on every page; the answers stay (the flow holds them).
        self.language_button = big_button("Language / 言語", name="language")
        # A secondary target: the 15 mm floor, so the header stays one line high.
        self.language_button.setMinimumSize(PRIMARY_TARGET_PX * 3, MIN_TARGET_PX)
        header.addWidget(self.title, 1)
        header.addWidget(self.practice_badge)
        header.addWidget(self.progress)
        header.addWidget(self.language_button)
        outer.addLayout(header)

        self.content = QVBoxLayout()
        self.content.setSpacing(GAP_PX * 2)
        outer.addLayout(self.content, 1)

        footer = self.footer = QHBoxLayout()
        footer.setSpacing(GAP_PX * 2)
        self.back_button = big_button(role="", name="back")
        self.start_over_button = big_button(role="", name="start_over")
        self.staff_button = big_button(role="alert", name="call_staff")
        self.primary_button = big_button(role="primary", name="primary")
        self.primary_button.setMinimumWidth(PRIMARY_TARGET_PX * 3)
        for button in (self.back_button, self.start_over_button, self.staff_button):
            button.setMinimumWidth(PRIMARY_TARGET_PX * 2)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(PRIMARY_TARGET_PX)
        self.back_button.setVisible(show_back)
        self.start_over_button.setVisible(show_start_over)
        self.primary_button.setVisible(show_primary)
        footer.addWidget(self.back_button)
        footer.addWidget(self.start_over_button)
        footer.addStretch(1)
        footer.addWidget(self.staff_button)
        footer.addWidget(self.primary_button)
        outer.addLayout(footer)

        self.back_button.clicked.connect(self.back_requested)
        self.start_over_button.clicked.connect(self.start_over_requested)
        self.staff_button.clicked.connect(self.staff_requested)
        self.primary_button.clicked.connect(self.primary_requested)
        self.language_button.clicked.connect(self.language_requested)

    def set_footer_texts(self, texts, primary_key: str = "next") -> None:
        """texts: a function key -> text in the current language."""
        self.back_button.setText(texts("back"))
        self.start_over_button.setText(texts("start_over"))
        self.staff_button.setText(texts("call_staff"))
        self.primary_button.setText(texts(primary_key))

    def set_practice(self, text: str | None) -> None:
        self.practice_badge.setVisible(bool(text))
        self.practice_badge.setText(text or "")


class Overlay(QFrame):
    """A framed box over the current page (staff call, idle warning, language): the page
    underneath and its answers stay as they are."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "overlay")
        self.hide()

    def show_centered(self, width: int, height: int) -> None:
        parent = self.parentWidget()
        self.setGeometry(
            (parent.width() - width) // 2, (parent.height() - height) // 2, width, height
        )
        self.raise_()
        self.show()


class ScrollingColumn(QWidget):
    """A column of rows that scrolls inside its page, never past the screen: large ▲ ▼
    buttons for those who do not swipe (shown only when needed), and a drag also scrolls."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._host = QWidget()
        self.rows = QVBoxLayout(self._host)
        self.rows.setSpacing(16)
        self.rows.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName(name)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self._host)
        # The page's own background shows through (Qt paints a viewport grey by default).
        self.scroll.viewport().setAutoFillBackground(False)
        self._host.setAutoFillBackground(False)
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
        body = QHBoxLayout(self)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(24)
        body.addWidget(self.scroll, 1)
        body.addLayout(arrows)
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._update_arrows)
        bar.valueChanged.connect(self._update_arrows)
        self.up_button.clicked.connect(lambda: self._page(-1))
        self.down_button.clicked.connect(lambda: self._page(+1))
        self._update_arrows()

    def set_texts(self, t) -> None:
        self.up_button.setText("▲ " + t("scroll_up"))
        self.down_button.setText("▼ " + t("scroll_down"))

    def add_row(self, row: QWidget) -> None:
        self.rows.insertWidget(self.rows.count() - 1, row)  # above the closing stretch
        row.show()

    def clear(self) -> None:
        while self.rows.count() > 1:  # every row, not the closing stretch
            widget = self.rows.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.scroll.verticalScrollBar().setValue(0)

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
