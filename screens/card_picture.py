"""The My Number Card being placed on the reader: a short animation while the card is awaited.

The drawing's parts (assets/icons/card_on_reader.svg: the reader, the card, the arrow) are
drawn once per colour; the card then comes down onto the pad a few times and rests there, the
arrow showing where it came from. Only the motion repaints, it ends by itself after a few
rounds, and it stops at once when the page is left or the card is placed: a kiosk left waiting
at this page must not keep a core busy.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractAnimation,
    QEasingCurve,
    QSequentialAnimationGroup,
    QVariantAnimation,
)
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from screens.icons import picture_layers

DRAWING = "card_on_reader"
PARTS = ("reader", "card", "arrow")
ASPECT = 190 / 320  # the drawing's viewBox
DROP_MS = 900  # the card coming down: slow enough to follow, eased to a gentle stop
REST_MS = 1600  # lying on the pad, the arrow above it, before the next round
ROUNDS = 4  # about ten seconds of motion, then the still picture
LIFT = 0.35  # where the card starts: this share of the drawing's height above the pad


class CardPlacement(QWidget):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.setObjectName("card_picture")
        self.setFixedSize(width, round(width * ASPECT))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._layers: dict[str | None, QPixmap] = {}
        self._colours: tuple[str, str] | None = None
        self._lift = 0.0  # 1: the card high above the pad; 0: lying on it
        drop = QVariantAnimation(self)
        drop.setStartValue(1.0)
        drop.setEndValue(0.0)
        drop.setDuration(DROP_MS)
        drop.setEasingCurve(QEasingCurve.Type.OutCubic)
        drop.valueChanged.connect(self._set_lift)
        self._motion = QSequentialAnimationGroup(self)
        self._motion.addAnimation(drop)
        self._motion.addPause(REST_MS)  # no frames are drawn while the card rests
        self._motion.setLoopCount(ROUNDS)

    def set_colours(self, line: str, page: str) -> None:
        """Drawn in the theme's text colour; the card filled with the page's colour, so that
        it hides the pad's edge as it comes down over it, as a real card would."""
        if (line, page) == self._colours:
            return
        self._colours = (line, page)
        ratio = self.devicePixelRatioF()
        layers = picture_layers(
            DRAWING, line, self.width(), PARTS, filled={"card": page}, ratio=ratio
        )
        self._layers = layers or {}
        self.update()

    def drawn(self) -> bool:
        return all(part in self._layers for part in PARTS)

    def start(self) -> None:
        """From the top, unless it is already moving (a page drawn again, a language change)."""
        if not self.moving():
            self._motion.start()

    def stop(self) -> None:
        self._motion.stop()
        self._set_lift(0.0)  # the still picture: the card on the pad

    def moving(self) -> bool:
        return self._motion.state() is QAbstractAnimation.State.Running

    def rounds(self) -> int:
        return self._motion.loopCount()

    def total_ms(self) -> int:
        """How long it moves at most (a loop count of -1 would be for ever: -1 here too)."""
        return self._motion.totalDuration()

    def hideEvent(self, event) -> None:
        self.stop()  # the page was left, or the card is there: nothing to show moving
        super().hideEvent(event)

    def _set_lift(self, value: object) -> None:
        self._lift = float(value)
        self.update()

    def paintEvent(self, event) -> None:
        if not self.drawn():
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._layers["reader"])
        painter.drawPixmap(0, -round(self._lift * LIFT * self.height()), self._layers["card"])
        if self._lift == 0.0:
            painter.drawPixmap(0, 0, self._layers["arrow"])
        painter.end()
