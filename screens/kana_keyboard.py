"""A 50-on (あいうえお) touch keyboard for names and addresses, with katakana, capital Latin
letters and digits for 番地, for a kiosk that has no physical keyboard."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from screens.number_pad import (
    KEY_SPACING_PX,
    KEY_STYLE,
    EntryDisplay,
    bound,
    key_face,
    touch_key,
)
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
LONG_VOWEL = "ー"
MIDDLE_DOT = "・"  # between the parts of a foreign name in katakana: ジョン・スミス
# The mark keys show what they do to the last character. A bare ゛ or ゜ is a speck in the
# corner of its key, and "小" alone does not say which way it goes; か→が says it plainly.
DAKUTEN_FACE = "か→が"
HANDAKUTEN_FACE = "は→ぱ"
SMALL_FACE = "つ→っ"
FULL_WIDTH_SPACE = "\u3000"  # the space of a kana name (セイ　メイ)
_COMBINING_DAKUTEN = "\u3099"
_COMBINING_HANDAKUTEN = "\u309a"

# Voiced kana a name can hold. ゛ on わ would give ヷ, which no register accepts, so marks are
# applied only where they make one of these.
_VOICED = set("がぎぐげござじずぜぞだぢづでどばびぶべぼゔ")
_SEMI_VOICED = set("ぱぴぷぺぽ")
_SMALL_PAIRS = ("あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "つっ", "やゃ", "ゆゅ", "よょ", "わゎ")

# Capitals only: a shift key is a hidden mode that changes what every key types, which older
# residents miss; addresses and building names are accepted in capitals.
QWERTY_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
LATIN_MARKS = "-.&'/"  # building names: A-1, St. Mary's, ○○&△△
DIGIT_ROWS = ("123", "456", "789", " 0-")  # phone order, the hyphen for 番地 (1-2-3)

EDIT_KEY_MIN_WIDTH = 210


def to_katakana(text: str) -> str:
    return "".join(
        chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" or c == "\u309d" else c for c in text
    )


_VOICED_ALL = _VOICED | {to_katakana(c) for c in _VOICED}
_SEMI_VOICED_ALL = _SEMI_VOICED | {to_katakana(c) for c in _SEMI_VOICED}
_SMALL_TOGGLE: dict[str, str] = {}
for _big, _small in _SMALL_PAIRS:
    for _a, _b in ((_big, _small), (to_katakana(_big), to_katakana(_small))):
        _SMALL_TOGGLE[_a], _SMALL_TOGGLE[_b] = _b, _a


def with_mark(character: str, mark: str) -> str:
    """か + ゛ → が, は + ゜ → ぱ, ば + ゜ → ぱ; the same mark again takes it off (が + ゛ → か);
    a character that cannot carry the mark comes back unchanged."""
    decomposed = unicodedata.normalize("NFD", character)
    base, current = decomposed[0], decomposed[1:]
    if current == mark:
        return base
    composed = unicodedata.normalize("NFC", base + mark)
    allowed = _VOICED_ALL if mark == _COMBINING_DAKUTEN else _SEMI_VOICED_ALL
    return composed if composed in allowed else character


def small_toggled(character: str) -> str:
    """つ ⇄ っ, や ⇄ ゃ … (katakana too); other characters unchanged."""
    return _SMALL_TOGGLE.get(character, character)


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
    keys (1字けす, 空白, ぜんぶけす) and the mode keys (ひらがな, カタカナ, ABC, 123)."""

    changed = Signal(str)

    def __init__(
        self, initial: str, max_length: int, t: Callable[..., str], katakana_first: bool = False
    ) -> None:
        super().__init__()
        self.setObjectName("kana_keyboard")
        self.setStyleSheet(KEY_STYLE)
        self._max_length = max_length
        self._text = (initial or "")[:max_length]
        self._t = t
        self._kana_keys: list[tuple[str, QPushButton]] = []  # (hiragana, key)

        self.display = EntryDisplay("kb_display")
        self.length_note = label(role="entry_note", name="kb_length", wrap=False)
        top = QHBoxLayout()
        top.setSpacing(KEY_SPACING_PX * 2)
        top.addWidget(self.display, 1)
        top.addWidget(self.length_note)

        self.pages = QStackedWidget()
        self._page_of = {
            KeyboardMode.HIRAGANA: self.pages.addWidget(self._kana_page()),
            KeyboardMode.LATIN: self.pages.addWidget(self._latin_page()),
            KeyboardMode.DIGITS: self.pages.addWidget(self._digit_page()),
        }
        self._page_of[KeyboardMode.KATAKANA] = self._page_of[KeyboardMode.HIRAGANA]

        keys = QHBoxLayout()
        keys.setSpacing(KEY_SPACING_PX * 2)  # a wider gap marks where the key groups change
        keys.addWidget(self.pages, 1)
        keys.addLayout(self._edit_column())
        keys.addLayout(self._mode_column())

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(KEY_SPACING_PX)
        column.addLayout(top)
        column.addLayout(keys, 1)

        self._mode = KeyboardMode.KATAKANA if katakana_first else KeyboardMode.HIRAGANA
        self.set_mode(self._mode)
        self.retranslate(t)

    # -- building ----------------------------------------------------------------------------

    @staticmethod
    def _grid() -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(KEY_SPACING_PX)
        return grid

    def _kana_page(self) -> QWidget:
        page = QWidget()
        grid = self._grid()
        page.setLayout(grid)
        for column, kana in enumerate(KANA_COLUMNS):
            for row, character in enumerate(kana):
                if character is None:
                    continue
                key = touch_key(character, f"kb_kana_{column}_{row}")
                key.clicked.connect(bound(self._type_face, key))
                self._kana_keys.append((character, key))
                grid.addWidget(key, row, column)
        # The marks stand one gap further off: they change the last character, they are not
        # characters of their own.
        grid.setColumnMinimumWidth(len(KANA_COLUMNS), KEY_SPACING_PX)
        marks = len(KANA_COLUMNS) + 1
        self.dakuten_key = touch_key(DAKUTEN_FACE, "kb_dakuten")
        self.handakuten_key = touch_key(HANDAKUTEN_FACE, "kb_handakuten")
        self.small_key = touch_key(SMALL_FACE, "kb_small")
        self.long_vowel_key = touch_key(LONG_VOWEL, "kb_long_vowel")
        self.middle_dot_key = touch_key(MIDDLE_DOT, "kb_middle_dot")
        self.dakuten_key.clicked.connect(lambda: self._mark_last(_COMBINING_DAKUTEN))
        self.handakuten_key.clicked.connect(lambda: self._mark_last(_COMBINING_HANDAKUTEN))
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
            key.setMinimumWidth(EDIT_KEY_MIN_WIDTH * 3 // 4)
            grid.addWidget(key, row, marks)
        return page

    def _plain_key(self, character: str, name: str) -> QPushButton:
        key = touch_key(character, name)
        key.clicked.connect(bound(self._type, character))
        return key

    def _latin_page(self) -> QWidget:
        page = QWidget()
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

    def _digit_page(self) -> QWidget:
        page = QWidget()
        grid = self._grid()
        page.setLayout(grid)
        for row, characters in enumerate(DIGIT_ROWS):
            for column, character in enumerate(characters):
                if character == " ":
                    continue
                key = self._plain_key(character, f"kb_digit_{ord(character):x}")
                key.setMaximumWidth(key.minimumWidth() * 3)
                grid.addWidget(key, row, column)
        # Three columns on a page made for eleven: the keys grow to three times their width
        # at most and the rest stays empty, so the pad keeps a pad's shape.
        for column in range(4):
            grid.setColumnStretch(column, 1)
        return page

    def _edit_column(self) -> QGridLayout:
        grid = self._grid()
        self.delete_key = touch_key("", "kb_delete", "label")
        self.space_key = touch_key("", "kb_space", "label")
        self.clear_key = touch_key("", "kb_clear", "label")
        for key in (self.delete_key, self.space_key, self.clear_key):
            key.setMinimumWidth(EDIT_KEY_MIN_WIDTH)
        # 1字けす is the most used key after the kana: twice as tall. ぜんぶけす sits apart at
        # the bottom so that a slip off 1字けす never wipes the whole name.
        grid.addWidget(self.delete_key, 0, 0, 2, 1)
        grid.addWidget(self.space_key, 2, 0)
        grid.addWidget(self.clear_key, 4, 0)
        for row in range(5):
            grid.setRowStretch(row, 1)
        self.delete_key.clicked.connect(self._delete)
        self.space_key.clicked.connect(self._space)
        self.clear_key.clicked.connect(self.clear)
        return grid

    def _mode_column(self) -> QGridLayout:
        grid = self._grid()
        self.mode_keys: dict[KeyboardMode, QPushButton] = {}
        self._mode_group = QButtonGroup(self)
        for row, mode in enumerate(KeyboardMode):
            key = touch_key("", f"kb_mode_{mode.value}", "label")
            key.setMinimumWidth(EDIT_KEY_MIN_WIDTH)
            key.setCheckable(True)  # the theme marks the current mode by fill and a thick border
            key.clicked.connect(bound(self.set_mode, mode))
            self._mode_group.addButton(key)
            self.mode_keys[mode] = key
            grid.addWidget(key, row, 0)
        for row in range(5):
            grid.setRowStretch(row, 1)
        return grid

    # -- behaviour ---------------------------------------------------------------------------

    def retranslate(self, t: Callable[..., str]) -> None:
        self._t = t
        self.delete_key.setText(t("kb_delete"))
        self.space_key.setText(t("kb_space"))
        self.clear_key.setText(t("kb_clear"))
        for mode, key in self.mode_keys.items():
            key.setText(t(_MODE_TEXT[mode]))
        self._refresh()

    def mode(self) -> KeyboardMode:
        return self._mode

    def set_mode(self, mode: KeyboardMode) -> None:
        self._mode = mode
        self.mode_keys[mode].setChecked(True)
        self.pages.setCurrentIndex(self._page_of[mode])
        katakana = mode is KeyboardMode.KATAKANA
        faces = (
            (self.dakuten_key, DAKUTEN_FACE),
            (self.handakuten_key, HANDAKUTEN_FACE),
            (self.small_key, SMALL_FACE),
            *((key, hiragana) for hiragana, key in self._kana_keys),
        )
        for key, face in faces:
            key.setText(to_katakana(face) if katakana else face)

    def key(self, text: str) -> QPushButton:
        """The key showing `text` in the current mode (for the question page and tests)."""
        page = self.pages.currentWidget()
        for key in page.findChildren(QPushButton):
            if key.text() == key_face(text):
                return key
        raise KeyError(text)

    def _type(self, text: str) -> None:
        if len(self._text) + len(text) <= self._max_length:
            self._text += text
            self._refresh()

    def _type_face(self, key: QPushButton) -> None:
        self._type(key.text())  # a kana key types what it shows: hiragana or katakana

    def _space(self) -> None:
        # Latin text (building names) takes an ordinary space; kana names the full-width one.
        latin = self._mode in (KeyboardMode.LATIN, KeyboardMode.DIGITS)
        self._type(" " if latin else FULL_WIDTH_SPACE)

    def _replace_last(self, change: Callable[[str], str]) -> None:
        if self._text:
            last = change(self._text[-1])
            if last != self._text[-1]:
                self._text = self._text[:-1] + last
                self._refresh()

    def _mark_last(self, mark: str) -> None:
        self._replace_last(lambda character: with_mark(character, mark))

    def _small_last(self) -> None:
        self._replace_last(small_toggled)

    def _delete(self) -> None:
        if self._text:
            self._text = self._text[:-1]
            self._refresh()

    def _refresh(self) -> None:
        self.display.set_entry(self._text)
        self.length_note.setText(
            self._t("kb_length", length=len(self._text), limit=self._max_length)
        )
        self.changed.emit(self._text)

    def value(self) -> str:
        return self._text

    def clear(self) -> None:
        self._text = ""
        self._refresh()
