"""An address outside the municipality on a procedure for addresses within it: say so in plain
words, and offer the procedure that fits (転居届 → 転入届 or 転出届) where there is one, the card
already read and the answers about the resident kept. An address the resident entered can be
corrected with もどる: it is still on its page."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.views import AddressSource, ElsewhereView
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import label

# The words that depend on where the address came from: the card, or the resident's entry.
_TEXTS = {
    AddressSource.CARD: ("elsewhere_heading", "elsewhere_address", "elsewhere_unsure"),
    AddressSource.TYPED: (
        "elsewhere_typed_heading",
        "elsewhere_typed_address",
        "elsewhere_typed_unsure",
    ),
}


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
        this = view.procedure.title.text(language)
        heading, address, unsure = _TEXTS[view.source]
        self.set_footer_texts(t)
        self.primary_button.setVisible(view.other is not None)
        if view.other is not None and not self.metrics.narrow:
            # A phone's half-width button cannot hold a procedure's name: つぎへ under the
            # explanation that names it.
            self.primary_button.setText(t("elsewhere_go", other=view.other.title.text(language)))
        self.title.setText(this)
        self.progress.setText("")
        self.heading.setText(t(heading, city=view.city))
        self.address.setText(t(address, address=view.address))
        note = view.page.outside_note
        # The page's own words (why this procedure does not fit, which one does); a page
        # without them is held to the municipality with nothing else to file here.
        self.explain.setText(
            note.text(language) if note else t("elsewhere_inside_only", this=this, city=view.city)
        )
        self.unsure.setText(t(unsure))

    def clear(self) -> None:
        """The address goes with the page."""
        for text in (self.title, self.heading, self.address, self.explain, self.unsure):
            text.clear()
