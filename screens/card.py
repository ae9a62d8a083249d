"""The My Number Card page: place the card, the PIN pad, "please take your card".

What to show comes from the navigator as a CardView (the card page's step and message
keys); this screen only renders it and hands back the digits. The PIN lives in this widget
from the first digit until 決定, then it is cleared here at once; it is never shown, only as
● marks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.events import CardStep
from kiosk.views import CardView
from screens.card_picture import CardPlacement
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import big_button, label

PIN_DIGITS = 4
PAD_ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("delete", "0", "clear"))


class CardScreen(PageFrame):
    pin_entered = Signal(str)
    manual_requested = Signal()
    qr_requested = Signal()
    demo_place_requested = Signal()
    demo_take_requested = Signal()

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics)
        self.setObjectName("card")
        target, narrow = metrics.primary_target_px, metrics.narrow
        # Kiosk: the messages and choices on the left, the picture and then the PIN pad on
        # the right. Phone: one column, the pad under the messages, the other ways under it.
        self._digits = ""
        self.message = label(role="heading", name="card_message")
        self.pin_marks = label(role="heading", name="pin_marks", wrap=False)
        self.pin_marks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.warning = label(role="error", name="card_warning")
        self.notice = label(role="error", name="card_notice")
        self.demo_hint = label(role="small", name="demo_hint")
        # Where the reader is and how the card lies on it, while the card is awaited: the
        # card shown coming down onto the reader.
        self.picture = CardPlacement(target * (3 if narrow else 6))
        self.reader_hint = label(name="card_reader_hint")
        self.manual_button = big_button(name="card_manual", metrics=metrics)
        # Phone pre-entry, where a scanner is.
        self.qr_button = big_button(name="card_qr", metrics=metrics)
        self.qr_button.hide()
        self.demo_place = big_button(name="demo_place", metrics=metrics)
        self.demo_take = big_button(name="demo_take", metrics=metrics)
        spacing = metrics.gap_px if narrow else 24

        notices = QVBoxLayout()
        notices.setSpacing(spacing)
        for widget in (self.notice, self.warning):
            notices.addWidget(widget)

        self.pad = QGridLayout()
        self.pad.setSpacing(metrics.gap_px if narrow else 16)
        self.pad_buttons = {}
        for row, keys in enumerate(PAD_ROWS):
            for column, key in enumerate(keys):
                button = big_button(
                    key if key.isdigit() else "", name=f"pin_{key}", metrics=metrics
                )
                # The UX floor high, wide: twelve keys fit below a two-line heading at the
                # largest text size with room between them.
                button.setMinimumSize(
                    metrics.min_target_px if narrow else target * 3 // 2, metrics.min_target_px
                )
                button.clicked.connect(lambda _=False, k=key: self.press(k))
                self.pad.addWidget(button, row, column)
                self.pad_buttons[key] = button

        marks = QHBoxLayout()  # the marks sit right above the keys they come from
        marks.setSpacing(spacing)
        marks.addWidget(self.pin_marks, 1)
        entry = QVBoxLayout()
        entry.setSpacing(metrics.gap_px if narrow else 16)
        entry.addLayout(marks)
        entry.addLayout(self.pad)
        self.content.addWidget(self.message)
        if narrow:
            # One column: what the card said, the picture or the pad right under it, then the
            # other ways. The demo's PIN beside the marks: at the largest size a line of its
            # own would push the pad under the fold.
            marks.addWidget(self.demo_hint, 1)
            demo_row = QHBoxLayout()
            demo_row.setSpacing(spacing)
            demo_row.addWidget(self.demo_place)
            demo_row.addWidget(self.demo_take)
            alternatives = QHBoxLayout()  # each takes half the width, and wraps
            alternatives.setSpacing(spacing)
            alternatives.addWidget(self.manual_button, 1)
            alternatives.addWidget(self.qr_button, 1)
            body = QVBoxLayout()
            body.setSpacing(metrics.gap_px)
            body.addLayout(notices)
            body.addWidget(self.reader_hint)
            body.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
            for part in (entry, demo_row, alternatives):
                body.addLayout(part)
            body.addStretch(1)
        else:
            # The messages and the actions on the left, right under the message where the eye
            # is (not low down, just above the footer); on the right the picture while the
            # card is awaited, then the PIN pad in its place.
            notices.addWidget(self.demo_hint)
            # One action a row, all as wide as the widest: three side by side beside the
            # picture wrap their words at the larger sizes, and read as one long button.
            actions = QGridLayout()
            actions.setSpacing(spacing)
            ways = (self.demo_place, self.demo_take, self.manual_button, self.qr_button)
            for row, button in enumerate(ways):
                button.setMinimumWidth(target * 3)
                actions.addWidget(button, row, 0)
            actions.setColumnStretch(1, 1)  # the buttons keep their words' width, no more
            side = QVBoxLayout()
            side.setSpacing(spacing * 2)
            side.addLayout(notices)
            side.addLayout(actions)
            side.addStretch(1)
            # Where the reader is, under the message and as wide: one line at every size.
            self.content.addWidget(self.reader_hint)
            entry.insertWidget(0, self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
            entry.addStretch(1)
            body = QHBoxLayout()
            body.setSpacing(64)
            body.addLayout(side, 1)
            body.addLayout(entry)
        self.content.addLayout(body, 1)

        self.primary_button.clicked.disconnect()
        self.primary_button.clicked.connect(self._submit)
        self.manual_button.clicked.connect(self.manual_requested)
        self.qr_button.clicked.connect(self.qr_requested)
        self.demo_place.clicked.connect(self.demo_place_requested)
        self.demo_take.clicked.connect(self.demo_take_requested)
        # As the page first shows (the card awaited): the picture or the pad, never both, or
        # the two would set the window's height past the screen before anything is shown.
        self._set_pad_visible(False)
        for demo_button in (self.demo_place, self.demo_take):
            demo_button.hide()  # only in the demo, and one at a time: show_page says which

    # -- the PIN pad ------------------------------------------------------------------------

    def press(self, key: str) -> None:
        if key == "delete":
            self._digits = self._digits[:-1]
        elif key == "clear":
            self._digits = ""
        elif len(self._digits) < PIN_DIGITS:
            self._digits += key
        self._show_marks()

    def _show_marks(self) -> None:
        self.pin_marks.setText(" ".join("●" * len(self._digits) + "○" * (4 - len(self._digits))))
        self.primary_button.setEnabled(len(self._digits) == PIN_DIGITS)

    def _submit(self) -> None:
        if len(self._digits) != PIN_DIGITS:
            return
        pin, self._digits = self._digits, ""
        self._show_marks()
        self._set_pad_visible(False)  # until the card has answered
        self.pin_entered.emit(pin)

    def clear(self) -> None:
        """The page is left: the digits go, and no frame is drawn for nobody."""
        self._forget_digits()
        self.picture.stop()

    def _forget_digits(self) -> None:
        self._digits = ""
        self._show_marks()

    @property
    def digits_entered(self) -> int:
        return len(self._digits)

    # -- rendering a page -------------------------------------------------------------------

    def show_page(self, view: CardView, language: str, t: Callable[..., str]) -> None:
        page = view.page
        narrow = self.metrics.narrow
        self.set_footer_texts(t, primary_key="card_pin_ok")
        self.title.setText(view.procedure.title.text(language))
        values = {"tries": page.tries_left}
        self.message.setText(t(page.message_key, **values))
        self.warning.setText(t(page.warning_key, **values) if page.warning_key else "")
        self.warning.setVisible(bool(page.warning_key))
        self.notice.setText(t(page.notice_key) if page.notice_key else "")
        self.notice.setVisible(bool(page.notice_key))
        asking_pin = page.asks_for_pin
        # On a phone, a PIN asked again after a wrong one: what went wrong heads the page
        # instead of the request the resident has just read (both, and the pad, do not fit
        # the phone at the largest size).
        self.message.setVisible(not (narrow and asking_pin and page.notice_key))
        # The card was read (カードをお取りください): nothing else to do but take it.
        read = page.step in (CardStep.TAKE_CARD, CardStep.DONE)
        waiting = page.step is CardStep.WAITING_FOR_CARD
        self.reader_hint.setText(t(f"card_reader_{view.reader_position}"))
        self.reader_hint.setVisible(waiting)
        # The picture goes before the pad comes: a widget shown lays its page out at once,
        # and the two together would stretch the window past the screen.
        self.picture.setVisible(waiting)
        if waiting:
            self._draw_picture()
            self.picture.start()
        else:
            self.picture.stop()
        self._set_pad_visible(asking_pin)
        if not asking_pin:
            self._forget_digits()
        self.manual_button.setText(t("card_manual"))
        self.manual_button.setVisible(not read)
        self.qr_button.setText(t("scan_start"))
        # Beside the PIN pad one other way: without the card (the resident who forgot the
        # PIN). The phone's code was offered before the card went on; with the warnings of a
        # wrong PIN it would sit cramped on the footer at the largest size.
        self.qr_button.setVisible(view.can_scan and not read and not asking_pin)
        self.manual_button.setProperty("role", "primary" if page.offer_alternatives else "")
        self.manual_button.style().polish(self.manual_button)
        self.pad_buttons["delete"].setText(t("card_pin_delete"))
        self.pad_buttons["clear"].setText(t("card_pin_clear"))
        demo = view.demo_pin is not None
        self.demo_hint.setVisible(demo and asking_pin)
        self.demo_hint.setText(t("card_demo_pin", pin=view.demo_pin) if demo else "")
        self.demo_place.setText(t("card_demo_place"))
        self.demo_take.setText(t("card_demo_take"))
        self.demo_place.setVisible(demo and not view.demo_card_present)
        # The demo's "take the card" is shown once the card was read: while the PIN is asked
        # it would only end the reading, and it takes room the pad and the warnings need.
        self.demo_take.setVisible(demo and bool(view.demo_card_present) and not asking_pin)

    def _draw_picture(self) -> None:
        """The card on the reader in the theme's colours (drawn again if they changed)."""
        # The theme's colours are a stylesheet's: polished widgets carry them.
        self.ensurePolished()
        self.reader_hint.ensurePolished()
        line = self.reader_hint.palette().color(self.reader_hint.foregroundRole()).name()
        page = self.palette().color(QPalette.ColorRole.Window).name()
        self.picture.set_colours(line, page)

    def _set_pad_visible(self, visible: bool) -> None:
        for button in self.pad_buttons.values():
            button.setVisible(visible)
        self.pin_marks.setVisible(visible)
        self.primary_button.setVisible(visible)
        if visible:
            self._show_marks()
