"""What the completion screen and the receipt show besides the number: the counter, what to
bring and the fee lines, built from a finished session (moved out of kiosk.services)."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalog import Catalog
from core.fees import FeeBreakdown
from core.flow import ResidentSession
from core.i18n import LocalizedText, UiText
from core.municipality import Counter
from core.receipt import QrCode, Receipt, layout_receipt
from core.reception import FinalizedApplication


@dataclass(frozen=True)
class CompletionInfo:
    """What the completion screen shows besides the number."""

    counter: Counter
    bring: tuple[LocalizedText, ...]
    fee: FeeBreakdown | None  # the lines and total (core.fees); None when nothing is due


def completion_info(catalog: Catalog, session: ResidentSession) -> CompletionInfo:
    procedure = session.procedure
    return CompletionInfo(
        counter=catalog.counter_for(procedure),
        bring=tuple(session.documents()),
        fee=session.fee_breakdown(catalog.municipality.fees),
    )


def receipt_for(
    application: FinalizedApplication,
    session: ResidentSession,
    catalog: Catalog,
    ui: UiText,
    language: str,
    qr: QrCode,
) -> Receipt:
    """The receipt for a finished session: the same fee lines as the completion screen."""
    return layout_receipt(
        application,
        session.procedure,
        session.fee_breakdown(catalog.municipality.fees),
        [text.text("ja") for text in session.documents()],
        catalog,
        ui,
        language=language,
        qr=qr,
    )
