"""A 50-on (あいうえお) touch keyboard for names and addresses, with katakana, capital Latin
letters and digits for 番地, for a kiosk that has no physical keyboard."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.kana import (
    ADDRESS_WORDS,
    KANA_SPACE,
    LATIN_SPACE,
    LONG_VOWEL,
    MIDDLE_DOT,
    KanaBuffer,
    Mark,
    to_katakana,
)
from screens.key_groups import KeyGroups
from screens.metrics import KIOSK, Metrics
from screens.number_pad import EntryDisplay, bound, key_face, key_style, touch_key
from screens.widgets import label

# The chart as columns of five (あ い う え お downwards), None where the chart has a gap.
# Columns run left to right, あ at the top left: the on-screen 50-on layout of ATMs, ticket
# machines and car navigation that UX.md says residents know, read in the direction of the
# rest of the screen. It is the school chart (あ at the top right, read right to left) turned
# over, so the columns and their order are the ones learnt as children.
KANA_COLUMNS: tuple[tuple[str | None, ...], ...] = (
    ("あ", "い", "う", "え", "お"),
    ("か", "き", "く", "け", "こ"),
    ("さ", "し", "す", "せ", "そ"),
    ("た", "ち", "つ", "て", "と"),
    ("な", "に", "ぬ", "ね", "の"),
    ("は", "ひ", "ふ", "へ", "ほ"),
    ("ま", "み", "む", "め", "も"),
    ("や", None, "ゆ", None, "よ"),
    ("ら", "り", "る", "れ", "ろ"),
    ("わ", None, "を", None, "ん"),
)
# The mark keys show what they do to the last character. A bare ゛ or ゜ is a speck in the
# corner of its key, and "小" alone does not say which way it goes; か→が says it plainly.
DAKUTEN_FACE = "か→が"
HANDAKUTEN_FACE = "は→ぱ"
SMALL_FACE = "つ→っ"

# Capitals only: a shift key is a hidden mode that changes what every key types, which older
# residents miss; addresses and building names are accepted in capitals.
QWERTY_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
LATIN_MARKS = "-.&'/"  # building names: A-1, St. Mary's, ○○&△△
DIGIT_ROWS = ("123", "456", "789", " 0-")  # phone order, the hyphen for 番地 (1-2-3)

EDIT_KEY_MIN_WIDTH = KIOSK.edit_key_min_width
# The phone shows the chart five columns at a time (あ〜な, は〜ん) and QWERTY in two halves:
# ten 48 px keys and their gaps need 552 px, the phone has 366.
PHONE_KANA_GROUPS = ((0, 5), (5, 10))
PHONE_QWERTY_HALVES = (("QWERT", "ASDFG", "ZXCVB"), ("YUIOP", "HJKL", "NM", LATIN_MARKS))


class KeyboardMode(Enum):
    HIRAGANA = "hiragana"
    KATAKANA = "katakana"
    LATIN = "latin"
    DIGITS = "digits"


_MODE_TEXT = {
    KeyboardMode.HIRAGANA: "kb_mode_hiragana",
    KeyboardMode.KATAKANA: "kb_mode_katakana",
    KeyboardMode.LATIN: "kb_mode_latin",
    KeyboardMode.DIGITS: "kb_mode_digits",
}


class KanaKeyboard(QWidget):
    """The typed text above; below, left to right: the keys of the current mode, the editing
    keys (1字けす, 空白, ぜんぶけす) and the mode keys (ひらがな, カタカナ, ABC, 123).

    On a phone the editing keys and the mode keys are rows under the keys, and the kana and
    QWERTY keys show one group at a time (screens.key_groups)."""

    changed = Signal(str)

    def __init__(
        self,
        initial: str,
        max_length: int,
        t: Callable[..., str],
        katakana_first: bool = False,
        metrics: Metrics = KIOSK,
        first_mode: KeyboardMode | None = None,
        known_part: str = "",
        modes: tuple[KeyboardMode, ...] = tuple(KeyboardMode),
    ) -> None:
        """first_mode: the keys shown first (else katakana for a kana name, hiragana for the
        rest). known_part: what the answer continues, shown above it (an address page: the
        postal code and town chosen before). modes: the key sets offered; with one, no mode
        keys are shown (a フリガナ takes katakana only: ABC or 123 would only be refused, and
        on a phone at the largest size their row is the one the page has no room for)."""
        super().__init__()
        self.setObjectName("kana_keyboard")
        self.setStyleSheet(key_style(metrics))
        self._metrics = metrics
        self._buffer = KanaBuffer.start(initial, max_length)
        self._t = t
        self._kana_keys: list[tuple[str, QPushButton]] = []  # (hiragana, key)
        self._groups: list[KeyGroups] = []  # the phone's paged keys
        spacing = metrics.key_spacing_px

        self.display = EntryDisplay("kb_display")
        self.length_note = label(role="entry_note", name="kb_length", wrap=False)
        self._known_part = known_part
        self.known = label(role="entry_note", name="kb_known")
        self.known.setVisible(bool(known_part))
        top = QHBoxLayout()
        top.setSpacing(spacing * 2)
        # A key beside the known part to change it (an in-city address: 町名を選びなおす).
        self.known_row = QHBoxLayout()
        self.known_row.setSpacing(spacing * 2)
        self.known_row.addWidget(self.known, 1)
        if not metrics.narrow:
            # On the kiosk the known part sits left of what is typed, as the start of the same
            # line: the address reads on in one line, and the keys keep their height.
            self.known.setWordWrap(False)
            top.addLayout(self.known_row)
        top.addWidget(self.display, 1)
        top.addWidget(self.length_note)

        self.pages = QStackedWidget()
        self._page_of = {
            KeyboardMode.HIRAGANA: self.pages.addWidget(self._kana_page()),
            KeyboardMode.LATIN: self.pages.addWidget(self._latin_page()),
            KeyboardMode.DIGITS: self.pages.addWidget(self._digit_page()),
        }
        self._page_of[KeyboardMode.KATAKANA] = self._page_of[KeyboardMode.HIRAGANA]

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(spacing)
        if metrics.narrow:
            column.addLayout(self.known_row)  # a phone has no room beside the entry
        column.addLayout(top)
        if metrics.narrow:
            column.addWidget(self.pages, 1)
            column.addLayout(self._edit_row())
            column.addLayout(self._mode_row())
        else:
            keys = QHBoxLayout()
            keys.setSpacing(spacing * 2)  # a wider gap marks where the key groups change
            keys.addWidget(self.pages, 1)
            keys.addLayout(self._edit_column())
            keys.addLayout(self._mode_column())
            column.addLayout(keys, 1)

        self._mode = first_mode or (
            KeyboardMode.KATAKANA if katakana_first else KeyboardMode.HIRAGANA
        )
        self.set_mode(self._mode)
        for mode, key in self.mode_keys.items():
            key.setVisible(len(modes) > 1 and mode in modes)
        self.retranslate(t)

    # -- building ----------------------------------------------------------------------------

    def _grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(self._metrics.key_spacing_px)
        return grid

    def _key(self, text: str, name: str, kind: str = "glyph") -> QPushButton:
        return touch_key(text, name, kind, self._metrics)

    def _kana_key(self, grid: QGridLayout, column: int, shown_column: int) -> None:
        for row, character in enumerate(KANA_COLUMNS[column]):
            if character is None:
                continue
            key = self._key(character, f"kb_kana_{column}_{row}")
            key.clicked.connect(bound(self._type_face, key))
            self._kana_keys.append((character, key))
            grid.addWidget(key, row, shown_column)

    def _kana_page(self) -> QWidget:
        page = QWidget()
        spacing = self._metrics.key_spacing_px
        if self._metrics.narrow:
            self.kana_groups = KeyGroups(self._metrics, "kb_kana_group")
            for first, last in PHONE_KANA_GROUPS:
                group_page = QWidget()
                group = self._grid()
                group_page.setLayout(group)
                for column in range(first, last):
                    self._kana_key(group, column, column - first)
                self.kana_groups.add(group_page, "")
            self._groups.append(self.kana_groups)
            grid = self._grid()
            keys = QHBoxLayout()
            keys.setSpacing(spacing * 2)  # the marks stand apart, as on the kiosk
            keys.addWidget(self.kana_groups.stack, 5)
            keys.addLayout(grid, 1)
            outer = QVBoxLayout(page)
            outer.setContentsMargins(0, 0, 0, 0)
            outer.setSpacing(spacing)
            outer.addWidget(self.kana_groups.tab_row)
            outer.addLayout(keys, 1)
            marks = 0
        else:
            grid = self._grid()
            page.setLayout(grid)
            for column in range(len(KANA_COLUMNS)):
                self._kana_key(grid, column, column)
            # The marks stand one gap further off: they change the last character, they are
            # not characters of their own.
            grid.setColumnMinimumWidth(len(KANA_COLUMNS), spacing)
            marks = len(KANA_COLUMNS) + 1
        self.dakuten_key = self._key(DAKUTEN_FACE, "kb_dakuten")
        self.handakuten_key = self._key(HANDAKUTEN_FACE, "kb_handakuten")
        self.small_key = self._key(SMALL_FACE, "kb_small")
        self.long_vowel_key = self._key(LONG_VOWEL, "kb_long_vowel")
        self.middle_dot_key = self._key(MIDDLE_DOT, "kb_middle_dot")
        self.dakuten_key.clicked.connect(bound(self._mark_last, Mark.DAKUTEN))
        self.handakuten_key.clicked.connect(bound(self._mark_last, Mark.HANDAKUTEN))
        self.small_key.clicked.connect(self._small_last)
        self.long_vowel_key.clicked.connect(lambda: self._type(LONG_VOWEL))
        self.middle_dot_key.clicked.connect(lambda: self._type(MIDDLE_DOT))
        modifiers = (
            self.dakuten_key,
            self.handakuten_key,
            self.small_key,
            self.long_vowel_key,
            self.middle_dot_key,
        )
        for row, key in enumerate(modifiers):
            key.setMinimumWidth(self._mark_key_width())
            if self._metrics.narrow:
                key.setProperty("key", "label")  # か→が in the label size, not a kana's
            grid.addWidget(key, row, marks)
        return page

    def _mark_key_width(self) -> int:
        if not self._metrics.narrow:
            return self._metrics.edit_key_min_width * 3 // 4
        # As wide as the widest face (カ→ガ) in the label size with its border and padding:
        # the kana columns have the rest.
        font = QFont(self.font())
        font.setPixelSize(self._metrics.key_label_px)
        faces = (DAKUTEN_FACE, HANDAKUTEN_FACE, SMALL_FACE)
        widest = max(QFontMetrics(font).horizontalAdvance(to_katakana(f)) for f in faces)
        return max(self._metrics.min_target_px, widest + 2 * (3 + 4) + 2)

    def _plain_key(self, character: str, name: str) -> QPushButton:
        key = self._key(character, name)
        key.clicked.connect(bound(self._type, character))
        return key

    def _latin_page(self) -> QWidget:
        page = QWidget()
        if self._metrics.narrow:
            return self._latin_halves(page)
        grid = self._grid()
        page.setLayout(grid)
        # Each key spans two grid columns so that the rows can be set off by half a key, as
        # on every QWERTY keyboard.
        rows = (*QWERTY_ROWS, LATIN_MARKS)
        for row, (letters, offset) in enumerate(zip(rows, (0, 1, 3, 3), strict=True)):
            for index, letter in enumerate(letters):
                key = self._plain_key(letter, f"kb_latin_{ord(letter):x}")
                grid.addWidget(key, row, offset + index * 2, 1, 2)
        for column in range(21):
            grid.setColumnStretch(column, 1)
        return page

    def _latin_halves(self, page: QWidget) -> QWidget:
        """QWERTY in its left and right halves, each row in its place: Q W E R T over
        A S D F G, as on a split tablet keyboard; the marks under the right half."""
        self.latin_groups = KeyGroups(self._metrics, "kb_latin_group")
        for rows in PHONE_QWERTY_HALVES:
            half = QWidget()
            grid = self._grid()
            half.setLayout(grid)
            for row, letters in enumerate(rows):
                for index, letter in enumerate(letters):
                    grid.addWidget(self._plain_key(letter, f"kb_latin_{ord(letter):x}"), row, index)
            for row in range(len(rows), 4):
                grid.setRowStretch(row, 1)  # the halves keep one key height
            for column in range(5):
                grid.setColumnStretch(column, 1)
            self.latin_groups.add(half, " ".join(rows[0]))
        self._groups.append(self.latin_groups)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(self._metrics.key_spacing_px)
        outer.addWidget(self.latin_groups.tab_row)
        outer.addWidget(self.latin_groups.stack, 1)
        return page

    def _digit_page(self) -> QWidget:
        page = QWidget()
        grid = self._grid()
        page.setLayout(grid)
        widest = max(self._metrics.min_target_px * 3, self._metrics.pad_key_max[0])
        for row, characters in enumerate(DIGIT_ROWS):
            for column, character in enumerate(characters):
                if character == " ":
                    continue
                key = self._plain_key(character, f"kb_digit_{ord(character):x}")
                key.setMaximumWidth(widest)
                grid.addWidget(key, row, column)
        # 丁目・番地・号 … beside the digits, a gap apart: words, not characters.
        grid.setColumnMinimumWidth(3, self._metrics.key_spacing_px)
        self.address_word_keys: dict[str, QPushButton] = {}
        for index, word in enumerate(ADDRESS_WORDS):
            key = self._plain_key(word, f"kb_word_{index}")
            if self._metrics.narrow:
                key.setProperty("key", "label")  # 号室 in a phone's narrow key
            key.setMaximumWidth(widest)
            grid.addWidget(key, index // 2, 4 + index % 2)
            self.address_word_keys[word] = key
        # Five columns on a page made for eleven: the keys grow to three times their width
        # at most and the rest stays empty, so the pad keeps a pad's shape.
        for column in (0, 1, 2, 4, 5, 6):
            grid.setColumnStretch(column, 1)
        return page

    def _editing_keys(self) -> None:
        self.delete_key = self._key("", "kb_delete", "label")
        self.space_key = self._key("", "kb_space", "label")
        self.clear_key = self._key("", "kb_clear", "label")
        self.delete_key.clicked.connect(self._delete)
        self.space_key.clicked.connect(self._space)
        self.clear_key.clicked.connect(self.clear)

    def _edit_row(self) -> QHBoxLayout:
        """1字けす (twice as wide: the most used key after the kana), 空白, then ぜんぶけす set
        apart at the far end so that a slip off 1字けす never wipes the whole name."""
        self._editing_keys()
        row = QHBoxLayout()
        row.setSpacing(self._metrics.key_spacing_px)
        row.addWidget(self.delete_key, 2)
        row.addWidget(self.space_key, 1)
        row.addSpacing(self._metrics.key_spacing_px * 2)
        row.addWidget(self.clear_key, 2)
        for key in (self.delete_key, self.space_key, self.clear_key):
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return row

    def _mode_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(self._metrics.key_spacing_px)
        for key in self._mode_keys():
            key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            row.addWidget(key)
        return row

    def _edit_column(self) -> QGridLayout:
        grid = self._grid()
        self._editing_keys()
        for key in (self.delete_key, self.space_key, self.clear_key):
            key.setMinimumWidth(EDIT_KEY_MIN_WIDTH)
        # 1字けす is the most used key after the kana: twice as tall. ぜんぶけす sits apart at
        # the bottom so that a slip off 1字けす never wipes the whole name.
        grid.addWidget(self.delete_key, 0, 0, 2, 1)
        grid.addWidget(self.space_key, 2, 0)
        grid.addWidget(self.clear_key, 4, 0)
        for row in range(5):
            grid.setRowStretch(row, 1)
        return grid

    def _mode_keys(self) -> list[QPushButton]:
        self.mode_keys: dict[KeyboardMode, QPushButton] = {}
        self._mode_group = QButtonGroup(self)
        for mode in KeyboardMode:
            key = self._key("", f"kb_mode_{mode.value}", "label")
            key.setCheckable(True)  # the theme marks the current mode by fill and a thick border
            key.clicked.connect(bound(self.set_mode, mode))
            self._mode_group.addButton(key)
            self.mode_keys[mode] = key
        return list(self.mode_keys.values())

    def _mode_column(self) -> QGridLayout:
        grid = self._grid()
        for row, key in enumerate(self._mode_keys()):
            key.setMinimumWidth(EDIT_KEY_MIN_WIDTH)
            grid.addWidget(key, row, 0)
        for row in range(5):
            grid.setRowStretch(row, 1)
        return grid

    # -- behaviour ---------------------------------------------------------------------------

    def retranslate(self, t: Callable[..., str]) -> None:
        self._t = t
        self.known.setText(t("kb_known_part", known=self._known_part) if self._known_part else "")
        self.delete_key.setText(t("kb_delete"))
        self.space_key.setText(t("kb_space"))
        self.clear_key.setText(t("kb_clear"))
        for mode, key in self.mode_keys.items():
            key.setText(t(_MODE_TEXT[mode]))
        self._refresh()

    def set_known_part(self, known_part: str) -> None:
        self._known_part = known_part
        self.known.setVisible(bool(known_part))
        self.retranslate(self._t)

    def mode(self) -> KeyboardMode:
        return self._mode

    def set_mode(self, mode: KeyboardMode) -> None:
        self._mode = mode
        self.mode_keys[mode].setChecked(True)
        self.pages.setCurrentIndex(self._page_of[mode])
        if self._metrics.narrow:
            # A stack is as tall as its tallest page: the digits and 丁目・番地 keys would sit
            # in the kana chart's height, pushing the page past a phone at the larger sizes.
            # Only the keys on show count.
            for index in range(self.pages.count()):
                shown = index == self.pages.currentIndex()
                policy = QSizePolicy.Policy.Preferred if shown else QSizePolicy.Policy.Ignored
                self.pages.widget(index).setSizePolicy(policy, policy)
            self.pages.updateGeometry()
        katakana = mode is KeyboardMode.KATAKANA
        faces = (
            (self.dakuten_key, DAKUTEN_FACE),
            (self.handakuten_key, HANDAKUTEN_FACE),
            (self.small_key, SMALL_FACE),
            *((key, hiragana) for hiragana, key in self._kana_keys),
        )
        for key, face in faces:
            key.setText(to_katakana(face) if katakana else face)
        if self._metrics.narrow:
            for tab, (first, last) in zip(self.kana_groups.tabs, PHONE_KANA_GROUPS, strict=True):
                face = "".join(column[0] for column in KANA_COLUMNS[first:last])
                tab.setText(to_katakana(face) if katakana else face)

    def key(self, text: str) -> QPushButton:
        """The key showing `text` in the current mode (for the question page and tests)."""
        page = self.pages.currentWidget()
        for key in page.findChildren(QPushButton):
            if key.text() == key_face(text):
                return key
        raise KeyError(text)

    def tab_for(self, key: QPushButton) -> QPushButton | None:
        """On a phone, the group tab to touch first so that `key` shows; None on the kiosk or
        when it already shows."""
        return next((tab for groups in self._groups if (tab := groups.tab_for(key))), None)

    def _type(self, text: str) -> None:
        self._edit(self._buffer.typed(text))

    def _type_face(self, key: QPushButton) -> None:
        self._type(key.text())  # a kana key types what it shows: hiragana or katakana

    def _space(self) -> None:
        latin = self._mode in (KeyboardMode.LATIN, KeyboardMode.DIGITS)
        self._type(LATIN_SPACE if latin else KANA_SPACE)

    def _mark_last(self, mark: Mark) -> None:
        self._edit(self._buffer.marked(mark))

    def _small_last(self) -> None:
        self._edit(self._buffer.small_toggled())

    def _delete(self) -> None:
        self._edit(self._buffer.deleted())

    def _edit(self, buffer: KanaBuffer) -> None:
        # The buffer hands itself back when it refuses a change: nothing to show or signal.
        if buffer is not self._buffer:
            self._buffer = buffer
            self._refresh()

    def _refresh(self) -> None:
        self.display.set_entry(self._buffer.text)
        self.length_note.setText(
            self._t("kb_length", length=self._buffer.length, limit=self._buffer.limit)
        )
        self.changed.emit(self._buffer.text)

    def value(self) -> str:
        return self._buffer.text

    def clear(self) -> None:
        self._buffer = self._buffer.cleared()
        self._refresh()  # even when already empty: the question page listens for the change
