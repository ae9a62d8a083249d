"""Whether a QR code prints readably on the 80 mm receipt: its version, module size and width.

The rule, for an ordinary USB scanner held over a receipt: modules of at least 0.5 mm (4 dots
at 203 dpi), the code with its quiet zone (4 modules each side) within the 72 mm the printer
reaches, and no larger than version 25 (117 modules, about 59 mm at 0.5 mm): larger codes ask
the scanner for a field of view a handheld one does not have at a comfortable distance. Within
that, modules are as large as fit, up to the 6 dots the short MADOGUCHI2 code always used.
"""

from __future__ import annotations

from dataclasses import dataclass

DOTS_PER_MM = 8  # 203 dpi, both supported models
PAPER_DOTS = 576  # printable width of 80 mm paper
QUIET_ZONE_MODULES = 4
MIN_MODULE_DOTS = 4
MAX_MODULE_DOTS = 6
MAX_VERSION = 25


@dataclass(frozen=True)
class QrFit:
    version: int
    modules: int  # across the symbol, without the quiet zone
    module_dots: int  # largest that fits the paper, at most MAX_MODULE_DOTS
    fits: bool

    @property
    def module_mm(self) -> float:
        return self.module_dots / DOTS_PER_MM

    @property
    def width_mm(self) -> float:
        """The symbol with its quiet zone on paper."""
        return (self.modules + 2 * QUIET_ZONE_MODULES) * self.module_mm


def qr_version(data: str) -> int:
    """The smallest QR version that holds data at error correction M (as the printer and
    core.qr choose it: mixed modes, alphanumeric where the text allows)."""
    import qrcode  # on first use: it pulls in Pillow

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.version


def receipt_fit(data: str) -> QrFit:
    version = qr_version(data)
    modules = 17 + 4 * version
    dots = min(MAX_MODULE_DOTS, PAPER_DOTS // (modules + 2 * QUIET_ZONE_MODULES))
    return QrFit(version, modules, dots, version <= MAX_VERSION and dots >= MIN_MODULE_DOTS)


def screen_module_px(data: str, usual_px: int) -> int:
    """Pixels per module on the completion screen: the usual size for the short plain code;
    for a larger (sealed) code, the same overall size as the plain one, but never under 3
    pixels a module, which a phone camera still reads off a screen."""
    modules = 17 + 4 * qr_version(data) + 2 * QUIET_ZONE_MODULES
    plain_modules = 17 + 4 * 4 + 2 * QUIET_ZONE_MODULES  # version 4: the MADOGUCHI2 code
    return max(3, min(usual_px, usual_px * plain_modules // modules))
