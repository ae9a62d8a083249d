"""A push button whose words wrap onto more lines instead of widening the screen."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QTextLayout, QTextOption
from PySide6.QtWidgets import QPushButton, QSizePolicy, QStyle, QStyleOptionButton

WORD_JOINER = "\u2060"  # no line break here; zero width, drawn as nothing
WORD_BREAKS = re.compile(r"([ \u3000\n])")


def wrapped_lines(text: str, font, width: int) -> list[str]:
    """The text broken into lines no wider than `width`, only where a line may break (between
    words in English; between almost any two characters in Japanese, which has no spaces).
    A text written with spaces between its words (やさしい日本語, Korean) breaks only at
    those spaces, except inside a word longer than a line: スマホで / いれた ひと, not
    スマホで い / れた ひと."""
    if not any(space in text for space in (" ", "\u3000")):
        return _broken_lines(text, font, width)
    measure = QFontMetrics(font)
    pieces = WORD_BREAKS.split(text)  # words, with the spaces between them kept apart
    joined = "".join(
        WORD_JOINER.join(piece) if measure.horizontalAdvance(piece) <= width else piece
        for piece in pieces
    )
    return [line.replace(WORD_JOINER, "") for line in _broken_lines(joined, font, width)]


def _broken_lines(text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(1, width))
            start = line.textStart()
            lines.append(paragraph[start : start + line.textLength()].rstrip())
        layout.endLayout()
        if not paragraph:
            lines.append("")
    return lines


def balanced_lines(text: str, font, width: int) -> list[str]:
    """As wrapped_lines, with as many lines, but as even as they can be: the narrowest width
    that needs no more lines. Filling each line first leaves one character alone on the last
    (見やすい色にす / る), which reads as a slip."""
    lines = wrapped_lines(text, font, width)
    if len(lines) < 2:
        return lines
    low, high = 1, width  # high always gives len(lines) lines; find the least that does
    while low < high:
        middle = (low + high) // 2
        if len(wrapped_lines(text, font, middle)) <= len(lines):
            high = middle
        else:
            low = middle + 1
    return wrapped_lines(text, font, high)


class WrappingButton(QPushButton):
    """A push button whose text wraps onto more lines when the button is narrower than it.

    A plain QPushButton asks for the width of its whole text: a long label ("Chamar um
    funcionário", a procedure's summary) would push a 390 px window wider. This one asks for
    the same room, but accepts less and then breaks its text into lines, growing in height.
    Where the room is there (the kiosk's pages), it looks and sizes exactly as before.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._full_text = ""
        self._wrapped_for = -1
        self._floor_width = self._floor_height = 0
        # A QPushButton's own policy (Minimum) never gives it less than its whole text.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.toggled.connect(self._look_changed)  # checked: bold, with a thicker border
        self.setText(text)

    def text(self) -> str:  # what the button says, without the line breaks added to fit
        return self._full_text

    def setText(self, text: str) -> None:
        self._full_text = text
        self._wrapped_for = -1
        super().setText(text)
        self._keep_words_whole()
        self._wrap()
        # A shorter text needs fewer lines: the height fitted to the last one must go (a
        # button keeps its place across languages; its height would stay at the old lines).
        self._fit_height()

    def _text_room(self) -> int:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = (
            self.style()
            .subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self)
            .width()
        )
        if not self.icon().isNull():
            room -= self.iconSize().width() + 4
        return room

    # A checkable button is measured as it looks when checked (bold, a border 3 px thicker
    # each side), so that checking it never cuts its text.
    def _measuring_font(self) -> QFont:
        font = QFont(self.font())
        if self.isCheckable():
            font.setBold(True)
        return font

    def _checked_border(self) -> int:
        """How much wider the border grows on checking: 6 px for a checkable button not
        checked yet. A checked one is measured by the style with its thicker border already
        (counting it twice asked 6 px more once checked, and the row beside it moved)."""
        return 6 if self.isCheckable() and not self.isChecked() else 0

    def _width_of(self, line: str) -> int:
        metrics = QFontMetrics(self._measuring_font())
        size = metrics.size(Qt.TextFlag.TextShowMnemonic, line)
        return size.width() + self._checked_border()

    def _wrap(self) -> None:
        room = self._text_room()
        if room <= 0 or room == self._wrapped_for:
            return
        self._wrapped_for = room
        if all(self._width_of(line) <= room for line in self._full_text.split("\n")):
            shown = self._full_text
        else:
            width = room - self._checked_border()
            shown = "\n".join(balanced_lines(self._full_text, self._measuring_font(), width))
        if shown != super().text():
            super().setText(shown)
            # Told after this turn: a size changed while the layout is placing this button
            # (the resize that brought us here) would be forgotten when it finishes.
            QTimer.singleShot(0, self, self._fit_height)

    def _fit_height(self) -> None:
        height = self._floor_height
        if self.sizePolicy().verticalPolicy() != QSizePolicy.Policy.Fixed:
            # A button that may grow taller (the phone's) is never squeezed below its lines;
            # a Fixed one (the kiosk's) keeps Qt's own rule, as laid out before.
            height = max(height, self._hint_for(super().text()).height())
        super().setMinimumHeight(height)
        self.updateGeometry()

    def _hint_for(self, text: str) -> QSize:
        """QPushButton's own size hint for `text` (as in its C++ sizeHint), without setting it."""
        option = QStyleOptionButton()
        self.initStyleOption(option)
        width = height = 0
        if not self.icon().isNull():
            width, height = option.iconSize.width() + 4, option.iconSize.height()
        shown = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, text or "XXXX")
        if text or not width:
            width += shown.width()
            height = max(height, shown.height())
        return self.style().sizeFromContents(
            QStyle.ContentsType.CT_PushButton, option, QSize(width, height), self
        )

    def sizeHint(self) -> QSize:
        # As wide as the whole text on its lines (as it looks checked: bold, a thicker border;
        # asking for less, a checkable button would be given less and break its words, as
        # やさしい日本語 did on the kiosk's first page); as tall as the text wrapped to this width.
        natural = self._hint_for(self._full_text)
        lines = self._full_text.split("\n")
        plain = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, self._full_text).width()
        checked = max(self._width_of(line) for line in lines)
        width = natural.width() + max(0, checked - plain)
        return QSize(width, self._hint_for(super().text()).height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self._hint_for(super().text()).height())

    # A caller's minimum width (a target size) is kept as a floor, raised to the widest
    # unbreakable piece of the text (a word such as "English") so a word is never cut in two.
    # An explicit minimum is what layouts obey, so the floor is set as one.
    def setMinimumWidth(self, width: int) -> None:
        self._floor_width = width
        self._keep_words_whole()

    # The same for the height: a caller's minimum (a target size) is a floor, raised to the
    # height of the text's lines, so a squeezed phone page never cuts a wrapped second line.
    def setMinimumHeight(self, height: int) -> None:
        self._floor_height = height
        self._fit_height()

    def setMinimumSize(self, *size) -> None:
        wanted = QSize(*size) if len(size) == 2 else QSize(size[0])
        self.setMinimumHeight(wanted.height())
        self.setMinimumWidth(wanted.width())

    def _keep_words_whole(self) -> None:
        pieces = (
            wrapped_lines(self._full_text, self._measuring_font(), 1) if self._full_text else []
        )
        widest = max((self._width_of(piece) for piece in pieces), default=0)
        plain = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, "XXXX").width()
        chrome = self._hint_for("").width() - plain  # border and padding
        super().setMinimumWidth(max(self._floor_width, widest + chrome if widest else 0))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._wrap()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._look_changed()  # a new text size or padding needs new line breaks

    def _look_changed(self, *_: object) -> None:
        self._wrapped_for = -1
        self._keep_words_whole()
        self._wrap()
        self._fit_height()
