"""What a receipt says and how it is laid out, as plain data; devices turn it into bytes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from unicodedata import east_asian_width

from core.catalog import Catalog, Procedure
from core.i18n import UiText
from core.reception import FinalizedApplication
from core.wareki import to_wareki

# QR payload: MADOGUCHI1:<reception number>:<application id>; never personal data.
QR_SCHEME = "MADOGUCHI1"


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
            blocks.append(QrCode(block["data"]))
        else:
            blocks.append(Rule())
    return Receipt(data["application_id"], tuple(blocks))


def _counter_line(text: str) -> TextLine:
    return TextLine(text, largest_scale_that_fits(text, 2), True)


def qr_payload(application: FinalizedApplication) -> str:
    return f"{QR_SCHEME}:{application.reception_number}:{application.id}"


def layout_receipt(
    application: FinalizedApplication,
    procedure: Procedure,
    fee_units: int,
    bring: list[str],
    catalog: Catalog,
    ui: UiText,
) -> Receipt:
    """The resident's receipt, in Japanese: it is read by the clerk at the counter too."""
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
    fee = catalog.fee_for(procedure)
    if fee is not None:
        blocks.append(
            TextLine(ui.get("receipt_fee", lang, fee=fee, count=fee_units, total=fee * fee_units))
        )
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
        QrCode(qr_payload(application)),
    ]
    return Receipt(application.id, tuple(blocks))
