"""The page frame every resident screen sits in: header, content and the shared footer.

The header holds the page title, the practice mark, the progress and the language button;
the footer もどる, 最初から, 職員を呼ぶ and the page's one primary action. On a phone the
content scrolls between them (screens.widgets.ScrollingColumn).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.metrics import KIOSK, Metrics
from screens.widgets import ScrollingColumn, big_button, label


class QuietLabel(QLabel):
    """A label that takes no room while it has nothing to say (the phone's progress, empty on
    home, menu and completion: a blank line is a line the phone cannot spare). While it
    speaks, `instead` (the phone's page title, in the same header row) steps aside."""

    def __init__(self, instead: QWidget | None = None) -> None:
        super().__init__()
        self._instead = instead
        self.hide()  # home never sets a progress: it must not start as a blank line

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))
        if self._instead is not None:
            self._instead.setVisible(not text)

    def clear(self) -> None:
        self.setText("")


class OneLineLabel(QLabel):
    """One line that ends in … when the room runs out (the phone's page title: the page's
    own heading says what to do, the title only reminds which procedure this is)."""

    def __init__(self, name: str, role: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", role)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full_text = ""

    def text(self) -> str:
        return self._full_text

    def setText(self, text: str) -> None:
        self._full_text = text
        self._fit()

    def clear(self) -> None:
        self.setText("")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        shown = self._full_text
        if room > 0:
            shown = self.fontMetrics().elidedText(shown, Qt.TextElideMode.ElideRight, room)
        super().setText(shown)


class FooterRow(QHBoxLayout):
    """A phone footer row of buttons side by side, in equal shares while each label fits its
    share on one line. Where one does not but all would side by side, each button is as wide
    as its words (もどる is short, Recomeçar long: halves would break the long one over two
    lines, and a two-line row takes room the page needs at the largest size); where even
    that does not fit, equal shares again, and the longer words wrap."""

    def __init__(self, spacing: int, *buttons: QPushButton, by_words: bool = True) -> None:
        super().__init__()
        self.setSpacing(spacing)
        self._by_words = by_words
        for button in buttons:
            self.addWidget(button)

    def setGeometry(self, rect) -> None:
        self._share(rect.width())
        super().setGeometry(rect)

    def _share(self, width: int) -> None:
        items = [self.itemAt(index) for index in range(self.count())]
        shown = [item for item in items if not item.isEmpty()]
        wanted = [item.widget().sizeHint().width() for item in shown]
        room = width - self.spacing() * max(0, len(shown) - 1)
        by_words = (
            self._by_words and sum(wanted) <= room and max(wanted, default=0) * len(shown) > room
        )
        for index, item in enumerate(items):
            share = wanted[shown.index(item)] if by_words and item in shown else 1
            self.setStretch(index, share)  # (unchanged stretches do not invalidate the layout)


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
        self,
        metrics: Metrics = KIOSK,
        *,
        show_back: bool = True,
        show_start_over: bool = True,
        show_primary: bool = True,
    ) -> None:
        super().__init__()
        self.metrics = m = metrics
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(*m.page_margins)
        outer.setSpacing(m.gap_px)

        self.title = (
            OneLineLabel("page_title", "small")
            if m.narrow
            else label(role="small", name="page_title")
        )
        self.practice_badge = label(role="badge", name="practice_badge", wrap=False)
        self.practice_badge.hide()
        self.progress = QuietLabel(instead=self.title) if m.narrow else QLabel()
        self.progress.setProperty("role", "small")
        self.progress.setObjectName("progress")
        self.progress.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        alignment = Qt.AlignmentFlag.AlignLeft if m.narrow else Qt.AlignmentFlag.AlignRight
        self.progress.setAlignment(alignment | Qt.AlignmentFlag.AlignVCenter)
        # Language can be changed on every page; the answers stay (the flow holds them).
        self.language_button = big_button("Language / 言語", name="language", metrics=m)
        # A secondary target: the 15 mm floor, so the header stays one line high.
        self.language_button.setMinimumSize(
            m.primary_target_px * (2 if m.narrow else 3), m.min_target_px
        )
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        if m.narrow:
            # A phone is too narrow for one header line of all four: the title, or on a page
            # with a progress the progress in its place (the question says what to do; a line
            # more would push a keyboard under the fold at the largest size), beside the
            # language button; the practice mark below, in practice mode only.
            header.addWidget(self.progress, 1)
            status = QHBoxLayout()
            status.addWidget(self.practice_badge)
            status.addStretch(1)
            header.addWidget(self.language_button)
            outer.addLayout(header)
            outer.addLayout(status)
        else:
            header.addWidget(self.practice_badge)
            header.addWidget(self.progress)
            header.addWidget(self.language_button)
            outer.addLayout(header)

        self.content = QVBoxLayout()
        # (A phone's 12 px rather than 16: at the largest size the kana keyboard's last row
        # needs them.)
        self.content.setSpacing(m.gap_px * 3 // 2 if m.narrow else m.gap_px * 2)
        self.page_scroll: ScrollingColumn | None = None
        if m.narrow:
            # What does not fit a phone at the larger text sizes and in the longer languages
            # scrolls between the header and the footer, which always stay in view.
            self.page_scroll = ScrollingColumn("page_scroll", m, shrink_first=True)
            self.page_scroll.rows.setContentsMargins(0, 0, 0, 0)
            self.page_scroll.rows.insertLayout(0, self.content, 1)
            self.page_scroll.rows.setStretch(1, 0)  # the content's own stretches place it
            outer.addWidget(self.page_scroll, 1)
        else:
            outer.addLayout(self.content, 1)

        self.back_button = big_button(role="", name="back", metrics=m)
        self.start_over_button = big_button(role="", name="start_over", metrics=m)
        self.staff_button = big_button(role="alert", name="call_staff", metrics=m)
        self.primary_button = big_button(role="primary", name="primary", metrics=m)
        for button in (self.back_button, self.start_over_button, self.staff_button):
            if not m.narrow:  # (a phone's buttons may grow taller to wrap: big_button)
                button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(m.primary_target_px)
        self.back_button.setVisible(show_back)
        self.start_over_button.setVisible(show_start_over)
        self.primary_button.setVisible(show_primary)
        if m.narrow:
            self.footer = self._phone_footer()
        else:
            self.footer = self._kiosk_footer()
        outer.addLayout(self.footer)

        self.back_button.clicked.connect(self.back_requested)
        self.start_over_button.clicked.connect(self.start_over_requested)
        self.staff_button.clicked.connect(self.staff_requested)
        self.primary_button.clicked.connect(self.primary_requested)
        self.language_button.clicked.connect(self.language_requested)

    def _kiosk_footer(self) -> QHBoxLayout:
        m = self.metrics
        footer = QHBoxLayout()
        footer.setSpacing(m.gap_px * 2)
        self.primary_button.setMinimumWidth(m.primary_target_px * 3)
        for button in (self.back_button, self.start_over_button, self.staff_button):
            button.setMinimumWidth(m.primary_target_px * 2)
        footer.addWidget(self.back_button)
        footer.addWidget(self.start_over_button)
        footer.addStretch(1)
        footer.addWidget(self.staff_button)
        footer.addWidget(self.primary_button)
        return footer

    def _phone_footer(self) -> QVBoxLayout:
        """Two rows of two: もどる 最初から above, 職員を呼ぶ and the primary action below (where
        the thumb is); see FooterRow for how a row shares its width."""
        m = self.metrics
        footer = QVBoxLayout()
        footer.setSpacing(m.gap_px)
        self._footer_rows = (
            FooterRow(m.gap_px, self.back_button, self.start_over_button),
            # The primary action keeps its half: never narrower than 職員を呼ぶ beside it.
            FooterRow(m.gap_px, self.staff_button, self.primary_button, by_words=False),
        )
        for row in self._footer_rows:
            footer.addLayout(row)
        return footer

    def add_footer_action(self, button: QPushButton) -> None:
        """One more action beside the primary one (home: the phone pre-entry)."""
        if self.metrics.narrow:
            # The home page has no もどる or 最初から: their row is free.
            self._footer_rows[0].addWidget(button)
        else:
            self.footer.insertWidget(self.footer.count() - 1, button)

    def set_footer_texts(self, texts, primary_key: str = "next") -> None:
        """texts: a function key -> text in the current language."""
        if self.page_scroll is not None:
            self.page_scroll.set_texts(texts)
        self.back_button.setText(texts("back"))
        self.start_over_button.setText(texts("start_over"))
        self.staff_button.setText(texts("call_staff"))
        self.primary_button.setText(texts(primary_key))

    def set_practice(self, text: str | None) -> None:
        self.practice_badge.setVisible(bool(text))
        self.practice_badge.setText(text or "")
