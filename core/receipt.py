"""What a receipt says and how it is laid out, as plain data; devices turn it into bytes."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from unicodedata import east_asian_width

from core.catalog import Catalog, Procedure
from core.fees import FeeBreakdown, FeeLine, yen
from core.i18n import UiText
from core.reception import FinalizedApplication
from core.wareki import to_wareki
from core.wire import APPLICATION_ID_PATTERN, KIOSK_ID_PATTERN, RECEPTION_NUMBER_PATTERN

# QR payload, never personal data: MADOGUCHI2:<kiosk id>:<reception number>:<application id>.
# An application id is unique per kiosk only, so the counter needs the kiosk to open the right
# one. Receipts printed before carry MADOGUCHI1:<reception number>:<application id>; they
# still open (by id, and the reception number when two kiosks share the id).
QR_SCHEME = "MADOGUCHI2"
LEGACY_QR_SCHEME = "MADOGUCHI1"
MAX_QR_CHARS = 120  # a receipt code is about 70 characters; longer is not one of ours


def _part(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


_QR = re.compile(
    f"{QR_SCHEME}:(?P<kiosk>{_part(KIOSK_ID_PATTERN)}):(?P<number>{_part(RECEPTION_NUMBER_PATTERN)})"
    f":(?P<id>{_part(APPLICATION_ID_PATTERN)})"
)
_LEGACY_QR = re.compile(
    f"{LEGACY_QR_SCHEME}:(?P<number>{_part(RECEPTION_NUMBER_PATTERN)})"
    f":(?P<id>{_part(APPLICATION_ID_PATTERN)})"
)


PAPER_COLUMNS = 48  # half-width columns on 80 mm paper with font A (12 x 24 dots)


def display_columns(text: str) -> int:
    """Columns a printer gives the text: full-width (kanji, kana) 2, half-width 1."""
    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def largest_scale_that_fits(text: str, wanted: int) -> int:
    """Shrink a heading rather than let the printer wrap it mid-word."""
    scale = wanted
    while scale > 1 and display_columns(text) * scale > PAPER_COLUMNS:
        scale -= 1
    return scale


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class TextLine:
    text: str
    scale: int = 1  # width and height multiplier, 1..8
    bold: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class QrCode:
    data: str
    # Dots per module on paper; None: the printer's usual size (devices.escpos). A sealed
    # receipt code (core/sealed_receipt.py) is larger and gets the size that fits the paper.
    module_dots: int | None = None


@dataclass(frozen=True)
class Rule:
    """A separating line across the paper."""


Block = TextLine | QrCode | Rule


@dataclass(frozen=True)
class Receipt:
    application_id: str
    blocks: tuple[Block, ...]


def receipt_to_json(receipt: Receipt) -> str:
    """The layout as JSON, kept for reprints; it holds no personal data by construction."""
    blocks = []
    for block in receipt.blocks:
        kind = {TextLine: "text", QrCode: "qr", Rule: "rule"}[type(block)]
        blocks.append({"kind": kind, **asdict(block)})
    return json.dumps(
        {"application_id": receipt.application_id, "blocks": blocks}, ensure_ascii=False
    )


def receipt_from_json(text: str) -> Receipt:
    data = json.loads(text)
    blocks: list[Block] = []
    for block in data["blocks"]:
        kind = block.pop("kind")
        if kind == "text":
            blocks.append(
                TextLine(block["text"], block["scale"], block["bold"], Align(block["align"]))
            )
        elif kind == "qr":
            blocks.append(QrCode(block["data"], block.get("module_dots")))
        else:
            blocks.append(Rule())
    return Receipt(data["application_id"], tuple(blocks))


def _counter_line(text: str) -> TextLine:
    return TextLine(text, largest_scale_that_fits(text, 2), True)


@dataclass(frozen=True)
class ReceiptCode:
    """What a scanned receipt QR names."""

    reception_number: str
    application_id: str
    kiosk_id: str | None  # None: a MADOGUCHI1 receipt, printed before receipts named the kiosk


def qr_payload(application: FinalizedApplication) -> str:
    if not application.kiosk_id:
        return f"{LEGACY_QR_SCHEME}:{application.reception_number}:{application.id}"
    return f"{QR_SCHEME}:{application.kiosk_id}:{application.reception_number}:{application.id}"


def parse_qr_payload(text: str) -> ReceiptCode:
    """The receipt a scanned code names (either version); ValueError if it names none."""
    if len(text) > MAX_QR_CHARS:
        raise ValueError("not a receipt code")
    text = text.strip()
    if found := _QR.fullmatch(text):
        return ReceiptCode(found["number"], found["id"], found["kiosk"])
    if found := _LEGACY_QR.fullmatch(text):
        return ReceiptCode(found["number"], found["id"], None)
    raise ValueError("not a receipt code")


# Languages a receipt adds one line in, besides its Japanese: both print as cp932 text. Others
# would need raster lines (too slow at 9600 baud, too long a receipt) and stay on screen.
RECEIPT_LINE_LANGUAGES = ("ja-easy", "en")


def receipt_qr(application: FinalizedApplication, sealed_code: str | None = None) -> QrCode:
    """The receipt's QR code: the sealed code where there is one and it prints readably on the
    receipt (core/qr_fit.py), else MADOGUCHI2, which always does. Never an unreadable code."""
    if sealed_code:
        from core.qr_fit import receipt_fit  # on first use: it pulls in qrcode and Pillow

        fit = receipt_fit(sealed_code)
        if fit.fits:
            return QrCode(sealed_code, fit.module_dots)
    return QrCode(qr_payload(application))


def without_sealed_answers(receipt: Receipt) -> Receipt:
    """The same receipt with any sealed QR code replaced by the plain MADOGUCHI2 one: kept
    layouts lose the sealed answers when the store purges them after sync."""
    from core.sealed_receipt import (
        ReceiptCodeDamaged,
        is_sealed_receipt,
        parse_sealed_receipt,
        plain_code,
    )

    blocks: list[Block] = []
    for block in receipt.blocks:
        if isinstance(block, QrCode) and is_sealed_receipt(block.data):
            try:
                block = QrCode(plain_code(parse_sealed_receipt(block.data)))
            except ReceiptCodeDamaged:
                continue  # never kept damaged; if so, no code at all rather than the answers
        blocks.append(block)
    return Receipt(receipt.application_id, tuple(blocks))


def layout_receipt(
    application: FinalizedApplication,
    procedure: Procedure,
    fee: FeeBreakdown | int | None,
    bring: list[str],
    catalog: Catalog,
    ui: UiText,
    *,
    language: str = "ja",
    qr: QrCode | None = None,
) -> Receipt:
    """The resident's receipt, in Japanese: it is read by the clerk at the counter too. For a
    resident who chose やさしい日本語 or English, one line in their language; qr: the code to
    print (receipt_qr), MADOGUCHI2 when not given. fee: the fee lines (core.fees), or for a
    flat fee the number of units it is due for."""
    lang = "ja"
    counter = catalog.counter_for(procedure)
    blocks: list[Block] = []
    if application.practice:
        blocks.append(TextLine(ui.get("practice_receipt_banner", lang), 2, True, Align.CENTER))
    blocks += [
        TextLine(catalog.municipality.name.text(lang), 1, False, Align.CENTER),
        TextLine(ui.get("receipt_title", lang), 2, True, Align.CENTER),
        Rule(),
        TextLine(ui.get("reception_number", lang), 1, False, Align.CENTER),
        TextLine(str(application.reception_number), 4, True, Align.CENTER),
        Rule(),
        TextLine(ui.get("receipt_procedure", lang) + procedure.title.text(lang)),
        _counter_line(
            ui.get("receipt_counter", lang, number=counter.number, name=counter.name.text(lang))
        ),
    ]
    if isinstance(fee, int):  # units of a flat fee (callers that know no answers)
        flat = catalog.fee_for(procedure)
        fee = FeeBreakdown((FeeLine(procedure.title, flat, fee),)) if flat is not None else None
    blocks += [TextLine(text) for text in receipt_fee_lines(fee, lang, ui)]
    if bring:
        blocks.append(TextLine(ui.get("bring_heading", lang)))
        blocks += [TextLine("・" + text) for text in bring]
    blocks += [
        Rule(),
        TextLine(
            to_wareki(application.created_at.date()) + application.created_at.strftime(" %H:%M"),
            1,
            False,
            Align.CENTER,
        ),
    ]
    if language in RECEIPT_LINE_LANGUAGES:
        blocks.append(TextLine(ui.get("receipt_resident_line", language, number=counter.number)))
    blocks.append(qr or QrCode(qr_payload(application)))
    return Receipt(application.id, tuple(blocks))


def receipt_fee_lines(fee: FeeBreakdown | None, language: str, ui: UiText) -> list[str]:
    """手数料 300円×2＝600円; for several items one line each, then 手数料 合計 1,650円."""
    if fee is None:
        return []
    if len(fee.lines) == 1:
        line = fee.lines[0]
        values = {"fee": yen(line.unit_price), "count": line.count, "total": yen(line.subtotal)}
        return [ui.get("receipt_fee", language, **values)]
    texts = [
        ui.get(
            "receipt_fee_item",
            language,
            label=line.label.text(language),
            fee=yen(line.unit_price),
            count=line.count,
            total=yen(line.subtotal),
        )
        for line in fee.lines
    ]
    return [*texts, ui.get("receipt_fee_total", language, total=yen(fee.total))]
