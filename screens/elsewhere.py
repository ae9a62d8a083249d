"""The card's address is outside the municipality on a procedure for moves within it: say so
in plain words and offer the procedure that fits (転居届 → 転入届), the card already read."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.views import ElsewhereView
from screens.metrics import KIOSK, Metrics
from screens.widgets import PageFrame, label


class ElsewhereScreen(PageFrame):
    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics)
        self.setObjectName("elsewhere")
        self.heading = label(role="heading", name="elsewhere_heading")
        self.address = label(name="elsewhere_address")
        self.explain = label(name="elsewhere_explain")
        self.unsure = label(role="small", name="elsewhere_unsure")
        for widget in (self.heading, self.address, self.explain, self.unsure):
            self.content.addWidget(widget)
        self.content.addStretch(1)
        if not metrics.narrow:
            # The other procedure's name is long in some languages: it wraps in its button
            # rather than squeezing もどる, 最初から and 職員を呼ぶ.
            self.primary_button.setMaximumWidth(metrics.primary_target_px * 6)

    def show_view(self, view: ElsewhereView, language: str, t: Callable[..., str]) -> None:
        this, other = view.procedure.title.text(language), view.other.title.text(language)
        self.set_footer_texts(t)
        if not self.metrics.narrow:
            # A phone's half-width button cannot hold a procedure's name: つぎへ under the
            # explanation that names it.
            self.primary_button.setText(t("elsewhere_go", other=other))
        self.title.setText(this)
        self.progress.setText("")
        self.heading.setText(t("elsewhere_heading", city=view.city))
        self.address.setText(t("elsewhere_address", address=view.address))
        self.explain.setText(t("elsewhere_explain", this=this, other=other, city=view.city))
        self.unsure.setText(t("elsewhere_unsure"))

    def clear(self) -> None:
        """The card's address goes with the page."""
        for text in (self.title, self.heading, self.address, self.explain, self.unsure):
            text.clear()
