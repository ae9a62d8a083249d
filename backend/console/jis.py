"""Characters older systems cannot take: anything outside JIS X 0208 (Shift_JIS), flagged for
the staff who retype an application into the 住民基本台帳 system or e-Gov, with what those
systems accept instead where that is known (𠮷 → 吉, 髙 → 高).

Qt-free and pure: a character is in JIS X 0208 when it encodes to Shift_JIS strictly, or when
its Windows (cp932) code is a JIS X 0208 code (－ and ～ differ only in the Unicode mapping).
Windows-only characters (NEC/IBM extensions such as 髙, ①) are flagged as such. An ideographic
variation sequence (a character followed by a variation selector, 葛󠄀) is flagged whole: the
selector cannot be sent, the base character alone usually can.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# What registers and e-Gov accept for common characters outside JIS X 0208.
SUBSTITUTES = {
    "𠮷": "吉",
    "髙": "高",
    "﨑": "崎",
    "德": "徳",
    "𡈽": "土",
    "栁": "柳",
    "①": "1",
    "②": "2",
    "③": "3",
    "Ⅰ": "I",
    "Ⅱ": "II",
    "㈱": "（株）",
    "№": "No.",
}


def _is_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _in_jis_x_0208(char: str) -> bool:
    try:
        char.encode("shift_jis")
        return True
    except UnicodeEncodeError:
        pass
    try:
        windows = char.encode("cp932")
        windows.decode("shift_jis")  # a JIS X 0208 code, mapped to another code point
        return True
    except UnicodeError:
        return False


def _windows_only(char: str) -> bool:
    try:
        char.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


@dataclass(frozen=True)
class Flag:
    """One character (or variation sequence) older systems cannot take."""

    text: str  # as typed
    why: str  # in plain Japanese
    instead: str | None  # what to enter instead, when known

    @property
    def code_points(self) -> str:
        return " ".join(f"U+{ord(char):04X}" for char in self.text)


def _substitute(text: str) -> str | None:
    base = text[0]
    if base in SUBSTITUTES:
        return SUBSTITUTES[base]
    if len(text) > 1 and _in_jis_x_0208(base):
        return base  # a variation sequence: its base character
    folded = unicodedata.normalize("NFKC", base)
    if folded != base and all(_in_jis_x_0208(char) for char in folded):
        return folded
    return None


def flags(text: str) -> list[Flag]:
    """Each distinct character or variation sequence of text outside JIS X 0208, in order."""
    found: dict[str, Flag] = {}
    index = 0
    while index < len(text):
        char = text[index]
        end = index + 1
        while end < len(text) and _is_selector(text[end]):
            end += 1
        unit = text[index:end]
        index = end
        if unit in found or (len(unit) == 1 and (_in_jis_x_0208(char) or char.isspace())):
            continue
        if _is_selector(char):
            why = "異体字セレクタ（字形の指定）だけが残っています"
        elif len(unit) > 1:
            why = "異体字セレクタ付き（字形の指定は送れません）"
        elif _windows_only(char):
            why = "JIS第1・第2水準の外（Windowsの機種依存文字）"
        else:
            why = "JIS第1・第2水準（JIS X 0208）の外"
        found[unit] = Flag(unit, why, _substitute(unit) if not _is_selector(char) else "")
    return list(found.values())
