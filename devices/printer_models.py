"""What differs between receipt printer models, so the builder asks the model instead of guessing.

Japanese Epson TM-T88 and TM-m30 both print 576 dots on 80 mm paper, have kanji fonts and a
native QR command. A generic ESC/POS printer is assumed to have kanji but no GS ( k QR, so its
QR codes go as raster images.
"""

from __future__ import annotations

from dataclasses import dataclass

GS = 0x1D


@dataclass(frozen=True)
class PrinterModel:
    id: str
    name: str
    dots_per_line: int = 576
    native_qr: bool = True
    # GS ( H: the printer answers once everything before it has printed; how the kiosk knows
    # a job finished rather than guessing from the status bytes.
    process_id: bool = True
    cut: bytes = bytes([GS, 0x56, 0x42, 0x00])  # feed to the cutter, then partial cut


MODELS: dict[str, PrinterModel] = {
    model.id: model
    for model in (
        PrinterModel("tm-t88", "Epson TM-T88 (Japanese)"),
        PrinterModel("tm-m30", "Epson TM-m30 (Japanese)"),
        PrinterModel(
            "generic",
            "Generic ESC/POS with kanji",
            native_qr=False,
            process_id=False,
            cut=bytes([0x1B, 0x64, 0x05, GS, 0x56, 0x01]),  # feed 5 lines, partial cut
        ),
    )
}
DEFAULT_MODEL = MODELS["tm-t88"]


def model(model_id: str) -> PrinterModel:
    try:
        return MODELS[model_id]
    except KeyError:
        known = ", ".join(MODELS)
        raise ValueError(f"printer model {model_id!r} is not known; use one of {known}") from None
