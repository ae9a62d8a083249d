"""A phone-style number pad for digits only (phone, postal code, 個人番号, PIN), and the key
and display pieces the other touch keyboards share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.metrics import KIOSK, Metrics

# Key fonts are set by the keyboards (screens.metrics), not taken from the body text size: at
# "largest" a body-sized glyph plus the theme's padding would not fit the smallest key.
KEY_SPACING_PX = KIOSK.key_spacing_px  # UX.md: ≥ 8 px between targets
GLYPH_PX = KIOSK.glyph_px
KEY_LABEL_PX = KIOSK.key_label_px
ENTRY_PX = KIOSK.entry_px

BOX_BORDER_PX = 3


def key_style(metrics: Metrics = KIOSK) -> str:
    """Only sizes and padding: colours, borders and the :checked look still come from the
    theme's stylesheet on the window, so both themes apply unchanged."""
    label_padding = "0px 4px" if metrics.narrow else "0px 8px"
    return f"""
QPushButton[key="glyph"] {{ font-size: {metrics.glyph_px}px; padding: 0px; }}
QPushButton[key="label"] {{ font-size: {metrics.key_label_px}px; padding: {label_padding}; }}
QLabel[role="entry"] {{ font-size: {metrics.entry_px}px; padding: 4px 16px; }}
QLabel[role="entry_note"] {{ font-size: {metrics.key_label_px}px; }}
"""


KEY_STYLE = key_style(KIOSK)
PAD_KEY_MIN = QSize(*KIOSK.pad_key_min)
PAD_KEY_MAX = QSize(*KIOSK.pad_key_max)
MASK_CHARACTER = "●"
OPEN_SLOT = "_"


def bound(action: Callable[..., None], *args: object) -> Callable[[], None]:
    """A slot that calls action(*args) and takes no signal arguments.

    Loop values are bound here rather than as lambda defaults: Qt passes clicked's `checked`
    to any slot that accepts an argument, which would overwrite the first default.
    """
    return lambda: action(*args)


def key_face(character: str) -> str:
    """The text a key shows for `character`: & alone would mark a shortcut and vanish."""
    return character.replace("&", "&&")


def touch_key(text: str, name: str, kind: str = "glyph", metrics: Metrics = KIOSK) -> QPushButton:
    """A keyboard key: never under the profile's floor (15 mm on the kiosk), grows with the
    room it gets, no focus rectangle.

    kind "glyph" is a key showing kana or a digit; "label" a key showing a word (けす …).
    """
    key = QPushButton(key_face(text))
    key.setObjectName(name)
    key.setProperty("key", kind)
    key.setMinimumSize(metrics.min_target_px, metrics.min_target_px)
    key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch only: the kiosk has no keyboard
    key.setCursor(Qt.CursorShape.PointingHandCursor)
    return key


class BoxedLabel(QLabel):
    """A label framed in its own text colour: what was typed or chosen, set apart from the
    question. Painted here because a stylesheet border would need a colour per theme."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "entry")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setContentsMargins(*(BOX_BORDER_PX,) * 4)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(self.foregroundRole()), BOX_BORDER_PX)
        painter.setPen(pen)
        inset = BOX_BORDER_PX / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), 8, 8)
        painter.end()


class EntryDisplay(BoxedLabel):
    """What was typed, in large type, read-only (no focus, no IME: there is no keyboard).

    When the text is wider than the display, the end stays visible (that is where the next
    character goes) and the start is elided; the width never pushes the keyboard wider.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._entry = ""

    def set_entry(self, text: str) -> None:
        self._entry = text
        self._fit()

    def entry(self) -> str:
        return self._entry

    # The height is one line of the entry font whatever the text (even empty), so typing
    # never moves the keys.
    def sizeHint(self) -> QSize:
        self.ensurePolished()
        margins = self.contentsMargins()
        height = self.fontMetrics().height() + margins.top() + margins.bottom()
        return QSize(KIOSK.min_target_px * 3, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(KIOSK.min_target_px, self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        shown = self._entry
        if room > 0:
            shown = self.fontMetrics().elidedText(self._entry, Qt.TextElideMode.ElideLeft, room)
        self.setText(shown)


def grouped(text: str, group: tuple[int, ...], separator: str = "-") -> str:
    """ "09012345678" with (3, 4, 4) → "090-1234-5678"; a partial entry is grouped as far as
    it goes, and what is beyond the groups is shown as one more group."""
    parts: list[str] = []
    rest = text
    for size in group:
        if not rest:
            break
        parts.append(rest[:size])
        rest = rest[size:]
    if rest:
        parts.append(rest)
    return separator.join(parts)


class NumberPad(QWidget):
    """1 2 3 / 4 5 6 / 7 8 9 / ぜんぶけす 0 1字けす, with the digits shown above.

    Phone order (1 at the top), not calculator order: the residents enter phone numbers and
    codes, and ATMs and phones put 1 at the top.
    """

    changed = Signal(str)

    def __init__(
        self,
        initial: str,
        t: Callable[..., str],
        *,
        max_digits: int,
        mask: bool = False,
        group: tuple[int, ...] = (),
        prefix: str = "",
        metrics: Metrics = KIOSK,
        plan: Callable[[str], tuple[tuple[int, ...], int]] | None = None,
    ) -> None:
        """plan: for numbers whose shape depends on their first digits (a phone number), the
        groups and the length for the digits typed so far (core.phone)."""
        super().__init__()
        self.setObjectName("number_pad")
        self.setStyleSheet(key_style(metrics))
        self._metrics = metrics
        spacing = metrics.key_spacing_px
        self._max_digits, self._mask, self._group, self._prefix = max_digits, mask, group, prefix
        self._plan = plan
        self._digits = "".join(c for c in (initial or "") if c.isascii() and c.isdigit())
        self._digits = self._digits[:max_digits]

        self.display = EntryDisplay("pad_display")
        self.digit_keys: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(spacing * 2)
        for index, digit in enumerate("123456789"):
            grid.addWidget(self._digit_key(digit), index // 3, index % 3)
        self.clear_key = self._pad_key("pad_clear", "label")
        self.delete_key = self._pad_key("pad_delete", "label")
        grid.addWidget(self.clear_key, 3, 0)
        grid.addWidget(self._digit_key("0"), 3, 1)
        grid.addWidget(self.delete_key, 3, 2)
        self.clear_key.clicked.connect(self.clear)
        self.delete_key.clicked.connect(self._delete)

        # The pad keeps phone proportions: on a 1840 px wide page, keys stretched across the
        # whole width would put 1 and 3 a metre apart.
        body = QWidget()
        body.setMaximumWidth(metrics.pad_key_max[0] * 3 + spacing * 4)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(spacing * 2)
        column.addWidget(self.display)
        column.addLayout(grid, 1)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(body)
        self.retranslate(t)
        self._refresh()

    def _pad_key(self, name: str, kind: str) -> QPushButton:
        key = touch_key("", name, kind, self._metrics)
        key.setMinimumSize(*self._metrics.pad_key_min)
        key.setMaximumSize(*self._metrics.pad_key_max)
        return key

    def _digit_key(self, digit: str) -> QPushButton:
        key = self._pad_key(f"pad_digit_{digit}", "glyph")
        key.setText(digit)
        key.clicked.connect(lambda: self._type(digit))
        self.digit_keys[digit] = key
        return key

    def retranslate(self, t: Callable[..., str]) -> None:
        self.clear_key.setText(t("pad_clear"))
        self.delete_key.setText(t("pad_delete"))

    def _limit(self) -> int:
        return (
            min(self._max_digits, self._plan(self._digits)[1]) if self._plan else self._max_digits
        )

    def _type(self, digit: str) -> None:
        if len(self._digits) < self._limit():
            self._digits += digit
            self._refresh()

    def _delete(self) -> None:
        if self._digits:
            self._digits = self._digits[:-1]
            self._refresh()

    def _refresh(self) -> None:
        shown = MASK_CHARACTER * len(self._digits) if self._mask else self._digits
        # Regrouped as the first digits tell the number's kind: 0771-23-4567, 090-1234-5678.
        group = self._plan(self._digits)[0] if self._plan else self._group
        if group:
            # A fixed-length number shows its open places, so the resident sees how many
            # digits are still missing (〒123-4___).
            shown += OPEN_SLOT * (sum(group) - len(shown))
        self.display.set_entry(self._prefix + grouped(shown, group))
        full = len(self._digits) >= self._limit()
        for key in self.digit_keys.values():
            key.setEnabled(not full)
        self.delete_key.setEnabled(bool(self._digits))
        self.clear_key.setEnabled(bool(self._digits))
        self.changed.emit(self._digits)

    def value(self) -> str:
        return self._digits

    def set_value(self, digits: str) -> None:
        """The whole number at once (a postal code from a chosen town)."""
        self._digits = "".join(c for c in digits if c.isascii() and c.isdigit())[: self._limit()]
        self._refresh()

    def clear(self) -> None:
        self._digits = ""
        self._refresh()
