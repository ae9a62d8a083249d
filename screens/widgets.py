"""Shared touch widgets: the touch button, the label, the overlay box and the scrolling column.

The page frame every resident screen sits in is screens.page_frame.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.metrics import KIOSK, Metrics
from screens.wrapping_button import WrappingButton


def big_button(
    text: str = "", role: str = "", name: str = "", metrics: Metrics = KIOSK
) -> QPushButton:
    """A touch button: every action is a primary-size target (≥ 20 mm on the kiosk) unless
    made larger."""
    button = WrappingButton(text)
    button.setMinimumSize(metrics.primary_target_px, metrics.primary_target_px)
    if metrics.narrow:
        # Text wraps more often on a phone; a row of Fixed-height buttons would be held to
        # its shortest, cutting the wrapped one's second line. They may grow taller instead.
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        button.setMinimumHeight(metrics.primary_target_px)  # now fitted to its lines too
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


class Overlay(QFrame):
    """A framed box over the current page (staff call, idle warning, language): the page
    underneath and its answers stay as they are."""

    def __init__(self, parent: QWidget, name: str, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent)
        self.metrics = metrics
        self._asked: tuple[int, int] | None = None  # the size the overlay asked for
        self.setObjectName(name)
        self.setProperty("role", "overlay")
        self.hide()

    def event(self, event) -> bool:
        # On a phone the box follows its contents: a button that wraps its words grows it.
        handled = super().event(event)
        refit = event.type() == QEvent.Type.LayoutRequest and self.metrics.narrow
        if refit and self.isVisible() and self._asked is not None:
            self._place(*self._asked)
        return handled

    def show_centered(self, width: int, height: int) -> None:
        self._asked = (width, height)
        self._place(width, height)
        self.raise_()
        self.show()

    def _place(self, width: int, height: int) -> None:
        parent = self.parentWidget()
        if self.metrics.narrow:
            # On a phone a box of a fraction of the screen is too narrow for its words: the
            # whole width but a margin, and as tall as its contents need.
            margin = self.metrics.overlay_margin_px
            width = parent.width() - 2 * margin
            needed = self.layout().heightForWidth(width) if self.layout() else -1
            if needed < 0 and self.layout() is not None:
                needed = self.layout().sizeHint().height()
            height = min(parent.height() - 2 * margin, max(height // 2, needed))
        geometry = QRect(
            (parent.width() - width) // 2, (parent.height() - height) // 2, width, height
        )
        if geometry != self.geometry():
            self.setGeometry(geometry)


class _ShrinkingHost(QWidget):
    """What a scroll area holds when its rows may shrink before it scrolls: the scroll area
    asks word-wrapped contents for their height at a width, and gets the preferred one; a
    keyboard whose keys could still be smaller would then scroll half out of view."""

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        return layout.totalMinimumHeightForWidth(width) if layout is not None else -1

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # The scroll area fits this host to its rows inside the host's own layout request,
        # while Qt holds the layout's resize back: the rows would keep the viewport's height
        # of a page shown for the first time, and long wrapped text would be drawn cut and
        # overlapping (the phone's 転入届 page at the largest size).
        layout = self.layout()
        if layout is not None and layout.geometry() != self.rect():
            layout.setGeometry(self.rect())


class ScrollingColumn(QWidget):
    """A column of rows that scrolls inside its page, never past the screen: large ▲ ▼
    buttons for those who do not swipe (shown only when needed), and a drag also scrolls.

    With whole_rows (the review page's answers), only rows that fit whole are drawn, ▲ ▼ turn
    a page of whole rows and a drag comes to rest on a row's top: a row cut in half at the
    edge looks broken, and its change button would be half a target."""

    def __init__(
        self,
        name: str,
        metrics: Metrics = KIOSK,
        shrink_first: bool = False,
        whole_rows: bool = False,
    ) -> None:
        super().__init__()
        self._whole_rows = whole_rows
        self._narrow = metrics.narrow
        self._host = _ShrinkingHost() if shrink_first else QWidget()
        self.rows = QVBoxLayout(self._host)
        self.rows.setSpacing(metrics.gap_px)
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
        self._dragging = False  # a drag scrolls, but only while there is something to scroll
        self.up_button = big_button(name="scroll_up", metrics=metrics)
        self.down_button = big_button(name="scroll_down", metrics=metrics)
        if metrics.narrow:
            # No room for a column of arrows beside the rows: ▲ and ▼ side by side under them.
            body = QVBoxLayout(self)
            arrows = QHBoxLayout()
            arrows.setSpacing(metrics.gap_px)
            for button in (self.up_button, self.down_button):
                button.setMinimumHeight(metrics.min_target_px)
                arrows.addWidget(button, 1)
            body.addWidget(self.scroll, 1)
            body.addLayout(arrows)
        else:
            arrows = QVBoxLayout()
            arrows.setSpacing(24)
            arrows.addWidget(self.up_button)
            arrows.addStretch(1)
            arrows.addWidget(self.down_button)
            body = QHBoxLayout(self)
            body.addWidget(self.scroll, 1)
            body.addLayout(arrows)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(metrics.gap_px if metrics.narrow else 24)
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._update_arrows)
        bar.valueChanged.connect(self._update_arrows)
        self.up_button.clicked.connect(lambda: self._page(-1))
        self.down_button.clicked.connect(lambda: self._page(+1))
        if whole_rows:
            # Rows move and re-wrap whenever the page is laid out or resized.
            self._host.installEventFilter(self)
            self.scroll.viewport().installEventFilter(self)
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
        if self._whole_rows:
            bar.setValue(self._whole_page(direction))
            return
        bar.setValue(bar.value() + direction * self.scroll.viewport().height() * 3 // 4)

    # -- whole rows ---------------------------------------------------------------------------

    def row_widgets(self) -> list[QWidget]:
        items = (self.rows.itemAt(index) for index in range(self.rows.count()))
        return [item.widget() for item in items if item.widget() is not None]

    def shown_rows(self) -> list[QWidget]:
        """The rows drawn now: those that fit the viewport whole (at least the first one
        there, when a single row is taller than the viewport)."""
        top, height = self.scroll.verticalScrollBar().value(), self.scroll.viewport().height()
        rows = self.row_widgets()
        inside = [r for r in rows if r.y() >= top and r.y() + r.height() <= top + height]
        if inside or not rows:
            return inside
        return [next((r for r in rows if r.y() + r.height() > top), rows[-1])]

    def _whole_page(self, direction: int) -> int:
        """Where ▼ or ▲ leads: the first row not yet whole on top, or the rows above that
        fill the view, ending at the row now first."""
        bar, height = self.scroll.verticalScrollBar(), self.scroll.viewport().height()
        rows, shown = self.row_widgets(), self.shown_rows()
        if not rows or not shown:
            return bar.value()
        if direction > 0:
            after = [r for r in rows if r.y() > shown[-1].y()]
            return min(after[0].y(), bar.maximum()) if after else bar.maximum()
        first = shown[0]
        above = [r for r in rows if r.y() < first.y()]
        target = first.y()
        for row in reversed(above):
            if first.y() - row.y() > height:
                break
            target = row.y()
        return max(target, 0)

    def _mask_to_whole_rows(self) -> None:
        """Draw (and let touches reach) only the rows that fit whole."""
        viewport = self.scroll.viewport()
        shown, top = self.shown_rows(), self.scroll.verticalScrollBar().value()
        if self.scroll.verticalScrollBar().maximum() == 0 or not shown:
            viewport.clearMask()
        else:
            start = max(shown[0].y() - top, 0)
            end = min(shown[-1].y() + shown[-1].height() - top, viewport.height())
            viewport.setMask(QRegion(0, start, viewport.width(), max(end - start, 1)))
        if self._dragging:
            # A drag or flick comes to rest on a row's top, never between two rows.
            snaps = [float(row.y()) for row in self.row_widgets()]
            QScroller.scroller(viewport).setSnapPositionsY(snaps)

    def eventFilter(self, watched, event) -> bool:
        kinds = (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Move)
        if event.type() in kinds:
            QTimer.singleShot(0, self, self._mask_to_whole_rows)  # after the layout has run
        return super().eventFilter(watched, event)

    def _scrolls(self) -> bool:
        """Whether the rows need scrolling: they overflow the viewport, and (on a phone, where
        ▲ ▼ sit under the rows) would still overflow the room ▲ ▼ take. Else ▲ ▼ once shown
        would keep themselves shown: their own row is what the rows then lack."""
        if self.scroll.verticalScrollBar().maximum() <= 0:
            return False
        if not (self._narrow and self.up_button.isVisibleTo(self)):
            return True
        needed = self._host.heightForWidth(self.scroll.viewport().width())
        return needed < 0 or needed > self.height()

    def _update_arrows(self, *_: object) -> None:
        bar = self.scroll.verticalScrollBar()
        scrolls = self._scrolls()
        if scrolls != self._dragging:
            # A drag recogniser holds every press back a moment to tell a tap from a drag;
            # where nothing scrolls, taps (a keyboard's keys) must not wait.
            viewport = self.scroll.viewport()
            if scrolls:
                gesture = QScroller.ScrollerGestureType.LeftMouseButtonGesture
                QScroller.grabGesture(viewport, gesture)
                # A press reaches its button at once (a drag that follows still scrolls):
                # a tap held back a quarter second feels like a missed tap.
                scroller = QScroller.scroller(viewport)
                properties = scroller.scrollerProperties()
                properties.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0)
                scroller.setScrollerProperties(properties)
            else:
                QScroller.ungrabGesture(viewport)
            self._dragging = scrolls
        self.up_button.setVisible(scrolls)
        self.down_button.setVisible(scrolls)
        self.up_button.setEnabled(bar.value() > bar.minimum())
        self.down_button.setEnabled(bar.value() < bar.maximum())
        if self._whole_rows:
            self._mask_to_whole_rows()
