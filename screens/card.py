"""The My Number Card page: place the card, the PIN pad, "please take your card".

What to show comes from the navigator as a CardView (the card page's step and message
keys); this screen only renders it and hands back the digits. The PIN lives in this widget
from the first digit until 決定, then it is cleared here at once; it is never shown, only as
● marks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.views import CardView
from screens.metrics import KIOSK, Metrics
from screens.widgets import PageFrame, big_button, label

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
        # Kiosk: the messages and choices on the left, the PIN pad on the right. Phone: one
        # column, the pad under the messages, the other ways under the pad.
        wide = 0 if narrow else 4
        self._digits = ""
        self.message = label(role="heading", name="card_message")
        self.pin_marks = label(role="heading", name="pin_marks", wrap=False)
        self.pin_marks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.warning = label(role="error", name="card_warning")
        self.notice = label(role="error", name="card_notice")
        self.demo_hint = label(role="small", name="demo_hint")
        self.manual_button = big_button(name="card_manual", metrics=metrics)
        self.manual_button.setMinimumWidth(target * wide)
        # Phone pre-entry, where a scanner is.
        self.qr_button = big_button(name="card_qr", metrics=metrics)
        self.qr_button.setMinimumWidth(target * wide)
        self.qr_button.hide()
        self.demo_place = big_button(name="demo_place", metrics=metrics)
        self.demo_take = big_button(name="demo_take", metrics=metrics)
        for button in (self.demo_place, self.demo_take):
            button.setMinimumWidth(target * (0 if narrow else 3))
        spacing = metrics.gap_px if narrow else 24

        notices = QVBoxLayout()
        notices.setSpacing(spacing)
        for widget in (self.notice, self.warning, self.demo_hint):
            notices.addWidget(widget)
        demo_row = QHBoxLayout()
        demo_row.setSpacing(spacing)
        demo_row.addWidget(self.demo_place)
        demo_row.addWidget(self.demo_take)
        if not narrow:
            demo_row.addStretch(1)
        alternatives = QHBoxLayout()  # on a phone each takes half the width, and wraps
        alternatives.setSpacing(spacing)
        alternatives.addWidget(self.manual_button, 1 if narrow else 0)
        alternatives.addWidget(self.qr_button, 1 if narrow else 0)
        if not narrow:
            alternatives.addStretch(1)

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

        entry = QVBoxLayout()  # the marks sit right above the keys they come from
        entry.setSpacing(metrics.gap_px if narrow else 16)
        entry.addWidget(self.pin_marks)
        entry.addLayout(self.pad)
        self.content.addWidget(self.message)
        if narrow:
            # One column: what the card said, the pad right under it, then the other ways.
            body = QVBoxLayout()
            body.setSpacing(metrics.gap_px)
            for part in (notices, entry, demo_row, alternatives):
                body.addLayout(part)
            body.addStretch(1)
        else:
            side = QVBoxLayout()
            side.setSpacing(spacing)
            side.addLayout(notices)
            side.addStretch(1)
            side.addLayout(demo_row)
            side.addLayout(alternatives)
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
        self._digits = ""
        self._show_marks()

    @property
    def digits_entered(self) -> int:
        return len(self._digits)

    # -- rendering a page -------------------------------------------------------------------

    def show_page(self, view: CardView, language: str, t: Callable[..., str]) -> None:
        page = view.page
        self.set_footer_texts(t, primary_key="card_pin_ok")
        self.title.setText(view.procedure.title.text(language))
        values = {"tries": page.tries_left}
        self.message.setText(t(page.message_key, **values))
        self.warning.setText(t(page.warning_key, **values) if page.warning_key else "")
        self.warning.setVisible(bool(page.warning_key))
        self.notice.setText(t(page.notice_key) if page.notice_key else "")
        self.notice.setVisible(bool(page.notice_key))
        asking_pin = page.asks_for_pin
        self._set_pad_visible(asking_pin)
        if not asking_pin:
            self.clear()
        self.manual_button.setText(t("card_manual"))
        self.qr_button.setText(t("scan_start"))
        self.qr_button.setVisible(view.can_scan)
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
        self.demo_take.setVisible(demo and bool(view.demo_card_present))

    def _set_pad_visible(self, visible: bool) -> None:
        for button in self.pad_buttons.values():
            button.setVisible(visible)
        self.pin_marks.setVisible(visible)
        self.primary_button.setVisible(visible)
        if visible:
            self._show_marks()
