"""Old and variant forms of the characters names are registered with (髙 for 高, 𠮷 for 吉).

No name dictionary shipped in a package holds them: SudachiDict has 吉野 and 高子 but not 𠮷野
or 髙子, and a resident whose 戸籍 has 髙 needs it on the form. So a chosen spelling is offered
again in every form this table makes of it, and the resident picks the one they write.

Only characters that stay themselves through Unicode normalization are listed: 﨑 (U+FA11) is
one of the twelve compatibility ideographs NFC keeps, while 塚 (U+FA10) would turn into 塚.
"""

from __future__ import annotations

from itertools import product

# Each group: the common form first, then the old or variant forms found in 戸籍 names.
VARIANT_GROUPS: tuple[str, ...] = (
    "高髙",
    "崎﨑嵜",
    "吉𠮷",
    "辺邊邉",
    "斉齊",
    "斎齋",
    "沢澤",
    "浜濱",
    "広廣",
    "国國",
    "島嶋嶌",
    "桜櫻",
    "竜龍",
    "恵惠",
    "徳德",
    "真眞",
    "実實",
    "栄榮",
    "柳栁",
    "曽曾",
    "関關",
    "条條",
    "槙槇",
    "富冨",
    "寿壽",
    "滝瀧",
    "峰峯",
    "徳悳",
    "礼禮",
    "万萬",
    "与與",
    "円圓",
    "桧檜",
    "穂穗",
    "瀬瀨",
    "黒黑",
    "亀龜",
    "剣劍",
    "鉄鐵",
)
# 斉 and 斎 are different characters that residents confuse; both groups reach each other.
_ALSO = {"斉": "斎齋", "斎": "斉齊", "齊": "斎齋", "齋": "斉齊"}
MOST_FORMS = 8  # a spelling with many variable characters: the first combinations only


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in VARIANT_GROUPS:
        for character in group:
            table[character] = table.get(character, "") + "".join(
                other for other in group if other != character
            )
    for character, more in _ALSO.items():
        table[character] += more
    return {key: "".join(dict.fromkeys(value)) for key, value in table.items() if value}


_OTHERS = _table()


def other_forms(character: str) -> str:
    """The other forms of one character (高 → 髙), "" when it has none."""
    return _OTHERS.get(character, "")


def variant_spellings(spelling: str) -> list[str]:
    """Every other spelling the table makes (吉野 → 𠮷野; 高崎 → 髙崎, 高﨑, 髙﨑 …), the
    spelling itself not among them, at most MOST_FORMS."""
    choices = [character + other_forms(character) for character in spelling]
    found: list[str] = []
    for combination in product(*choices):
        candidate = "".join(combination)
        if candidate != spelling:
            found.append(candidate)
            if len(found) == MOST_FORMS:
                break
    return found
