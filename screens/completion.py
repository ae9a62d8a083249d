"""Completion: the reception number in very large digits, where to go, what to bring, a QR code."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from core.fees import fee_texts
from core.qr import qr_png
from core.qr_fit import screen_module_px
from core.receipt import qr_payload
from core.reception import FinalizedApplication
from kiosk.completion import CompletionInfo
from kiosk.views import CompletionView
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import ScrollingColumn, label

QR_MODULE_PX = KIOSK.qr_module_px


class CompletionScreen(PageFrame):
    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics, show_back=False, show_start_over=False)
        self.setObjectName("completion")
        self._qr_module_px = metrics.qr_module_px
        self.heading = label(role="heading", name="heading")
        self.number_caption = label(name="number_caption")
        self.number = label(role="number", name="reception_number", wrap=False)
        self.counter = label(name="counter")
        self.bring = label(name="bring")
        self.fee = label(name="fee")
        self.print_status = label(name="print_status")
        self.coming = label(name="coming")  # a visit's next procedure (手続きナビ)
        self.coming.hide()
        self.qr = label(name="qr", wrap=False)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.details: ScrollingColumn
        where = (self.heading, self.number_caption, self.number, self.counter, self.print_status)
        if metrics.narrow:
            # One column on a phone: the number first, then where to go, the QR code and what
            # to bring; what does not fit at the larger text sizes scrolls, never the number.
            for widget in where[:3]:
                self.content.addWidget(widget)
            self.details = ScrollingColumn("completion_details", metrics)
            rows = (self.counter, self.print_status, self.coming, self.qr, self.bring, self.fee)
            for widget in rows:
                self.details.add_row(widget)
            self.qr.setAlignment(Qt.AlignmentFlag.AlignLeft)
            self.content.addWidget(self.details, 1)
            return
        # Two columns so the largest text size still fits one screen: where to go on the
        # left, what to show and bring on the right.
        columns = QHBoxLayout()
        columns.setSpacing(48)
        left = QVBoxLayout()
        for widget in where:
            left.addWidget(widget)
        left.addStretch(1)
        # A long list of what to bring (転入届, 印鑑登録) at the largest text size is taller than
        # the screen: that column scrolls, with ▲ ▼ shown only then; the number never moves.
        self.details = ScrollingColumn("completion_details", metrics)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignLeft)
        # The visit's next procedure first: it scrolls with the rest, never grows the window.
        for widget in (self.coming, self.qr, self.bring, self.fee):
            self.details.add_row(widget)
        columns.addLayout(left, 1)
        columns.addWidget(self.details, 1)
        self.content.addLayout(columns, 1)

    def show_application(
        self,
        application: FinalizedApplication,
        info: CompletionInfo,
        language: str,
        t: Callable[..., str],
    ) -> None:
        self.set_footer_texts(t, primary_key="finish")
        self.details.set_texts(t)
        self.details.scroll.verticalScrollBar().setValue(0)  # each resident starts at the top
        self.title.setText(t("app_title"))
        self.progress.setText("")
        self.heading.setText(t("completion_heading"))
        self.number_caption.setText(t("reception_number"))
        self.number.setText(str(application.reception_number))
        self.counter.setText(
            t("go_to_counter", number=info.counter.number, name=info.counter.name.text(language))
        )
        self.bring.setText(
            t("bring_heading") + "\n" + "\n".join(f"・{b.text(language)}" for b in info.bring)
        )
        fee = fee_texts(info.fee, language, t)  # 戸籍謄本 450円 × 2 … 合計 1,650円
        self.fee.setText("\n".join(fee))
        self.fee.setVisible(bool(fee))
        self.print_status.setText(t("printing"))
        pixmap = QPixmap()
        code = application.receipt_code or qr_payload(application)
        pixmap.loadFromData(qr_png(code, screen_module_px(code, self._qr_module_px)))
        self.qr.setPixmap(pixmap)

    def show_view(self, view: CompletionView, language: str, t: Callable[..., str]) -> None:
        self.show_application(view.application, view.info, language, t)
        self.show_print_status(t(view.print_status))
        self.primary_button.setText(t("visit_next" if view.more_to_come else "finish"))
        coming = view.coming
        if coming is not None:
            lines = [t("visit_coming", title=coming.title.text(language))]
            lines += [t("visit_coming_added")] if view.coming_added else []
            self.coming.setText("\n".join(lines))
        self.coming.setVisible(coming is not None)

    def show_print_status(self, message: str) -> None:
        self.print_status.setText(message)

    def clear(self) -> None:
        shown = (self.number, self.counter, self.bring, self.fee, self.print_status, self.coming)
        for widget in shown:
            widget.clear()
        self.coming.hide()
        self.qr.clear()
