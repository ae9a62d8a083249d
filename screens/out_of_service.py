"""The 休止中 (out of service) notice: a calm full screen over the home screen, between two
residents, while the kiosk is switched out of service.

It says so, gives the reason the technician or the administrator chose, and where to go
instead (a staffed counter). Residents can change only the language here; nothing else can be
touched, so the home screen underneath is covered edge to edge on every profile. The
technician's corner taps still reach technician mode, which opens above it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import Overlay, big_button, label


class OutOfServiceScreen(Overlay):
    language_requested = Signal()

    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "out_of_service", metrics)
        # A page, not a box: the page background edge to edge, no frame (calm, not an alarm).
        self.setProperty("role", "")
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*metrics.page_margins)
        layout.setSpacing(metrics.gap_px * 2)
        header = QHBoxLayout()
        self.municipality = label(role="small", name="oos_municipality")
        self.language_button = big_button("Language / 言語", name="oos_language", metrics=metrics)
        self.language_button.setMinimumSize(
            metrics.primary_target_px * (2 if metrics.narrow else 3), metrics.min_target_px
        )
        header.addWidget(self.municipality, 1)
        header.addWidget(self.language_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)
        layout.addStretch(1)
        self.heading = label(role="heading", name="oos_heading")
        self.message = label(name="oos_message")
        self.counter = label(name="oos_counter")
        self.apology = label(role="small", name="oos_apology")
        for text in (self.heading, self.message, self.counter, self.apology):
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(text)
        layout.addStretch(2)
        self.language_button.clicked.connect(self.language_requested)

    def show_notice(
        self,
        t: Callable[..., str],
        municipality: str,
        message: str,
        counter_number: int,
        counter_name: str,
    ) -> None:
        """t: the UI text in the resident's language; message already in it (or as the
        administrator wrote it)."""
        self.municipality.setText(municipality)
        self.language_button.setText(t("language"))
        self.heading.setText(t("out_of_service_heading"))
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.counter.setText(t("out_of_service_counter", number=counter_number, name=counter_name))
        self.apology.setText(t("out_of_service_apology"))
        self.show_centered(self.parentWidget().width(), self.parentWidget().height())

    def _place(self, width: int, height: int) -> None:
        # Always the whole window (a phone's overlay box would leave the home screen's
        # buttons showing, and touchable, above and below it).
        geometry = QRect(0, 0, self.parentWidget().width(), self.parentWidget().height())
        if geometry != self.geometry():
            self.setGeometry(geometry)
