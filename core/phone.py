"""Japanese phone numbers by the national numbering plan (電気通信番号計画): which kind of
number the first digits make, how many digits that kind has, and where its hyphens go.

Stored numbers are digits only (0771234567); people read them hyphenated by the plan
(0771-23-4567, 090-1234-5678, 0120-123-456) on the review page and everywhere staff read
them. A landline's hyphens follow its 市外局番, which is 2 to 5 digits long; which one it is
depends on the first digits, so the area-code table below is needed, not a fixed 3-4-4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

TRUNK_PREFIX = "0"  # every domestic number starts with it
LONGEST = 11


class PhoneKind(StrEnum):
    LANDLINE = "landline"  # 0 + 市外局番 + 市内局番 + 加入者番号: 10 digits
    MOBILE = "mobile"  # 070 / 080 / 090 (携帯電話・PHS): 11 digits
    IP = "ip"  # 050 (IP電話): 11 digits
    TOLL_FREE = "toll_free"  # 0120 (10 digits) and 0800 (11 digits), フリーダイヤル
    SERVICE = "service"  # 0570 ナビダイヤル (10), 060 FMC (11): numbers a person may answer
    NOT_A_CONTACT = "not_a_contact"  # nobody answers these as a contact number (below)


@dataclass(frozen=True)
class NumberClass:
    """What the first digits of a number say about all of it."""

    kind: PhoneKind
    prefix: str  # the digits that decided it (0120, 090, or the landline's first two)
    length: int  # how many digits the whole number has; 0 for NOT_A_CONTACT
    groups: tuple[int, ...]  # where the hyphens go, for a number of that length


# Non-geographic numbers, longest prefix first (0120 before a landline starting 012 …).
_BY_PREFIX: tuple[NumberClass, ...] = (
    NumberClass(PhoneKind.TOLL_FREE, "0120", 10, (4, 3, 3)),
    NumberClass(PhoneKind.TOLL_FREE, "0800", 11, (4, 3, 4)),
    NumberClass(PhoneKind.SERVICE, "0570", 10, (4, 3, 3)),
    # Message and premium-rate services, and the telegram-like 0170: called, never calling back.
    NumberClass(PhoneKind.NOT_A_CONTACT, "0170", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "0180", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "0990", 0, ()),
    NumberClass(PhoneKind.MOBILE, "070", 11, (3, 4, 4)),
    NumberClass(PhoneKind.MOBILE, "080", 11, (3, 4, 4)),
    NumberClass(PhoneKind.MOBILE, "090", 11, (3, 4, 4)),
    NumberClass(PhoneKind.IP, "050", 11, (3, 4, 4)),
    NumberClass(PhoneKind.SERVICE, "060", 11, (3, 4, 4)),
    # 010 dials abroad, 020 is pagers and machine-to-machine lines, 030 and 040 are unassigned.
    NumberClass(PhoneKind.NOT_A_CONTACT, "010", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "020", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "030", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "040", 0, ()),
    NumberClass(PhoneKind.NOT_A_CONTACT, "00", 0, ()),  # carrier selection, international
)

# Landline 市外局番 lengths (with the 0), from the first digits after the 0. These patterns
# are the JP formatting metadata of Google's libphonenumber (Apache License 2.0,
# https://github.com/google/libphonenumber, resources/PhoneNumberMetadata.xml), which follows
# 総務省's area-code table; tried in this order, the first match decides, as there.
_AREA_CODE_LENGTHS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (
        5,
        re.compile(
            r"1(?:267|3(?:7[247]|9[278])|466|5(?:47|58|64)|6(?:3[245]|48|5[4-68]))|499[2468]"
            r"|5(?:769|979[2-69])|7468|8(?:3(?:8[7-9]|96[2457-9])|477|51[2-9])"
            r"|9(?:802|9(?:1[23]|69))|1(?:45|58)[67]"
        ),
    ),
    (2, re.compile(r"3|4(?:2(?:0|9[02-69])|7(?:0[019]|1))|6[1-9]")),
    (
        3,
        re.compile(
            r"1(?:1|5(?:4[018]|5[017])|77|88|9[69])|2(?:2[127]|3[0-269]|4[59]"
            r"|5(?:[1-3]|5[0-69]|9(?:17|99))|6(?:2|4[016-9])|7(?:[1-35]|8[0189])"
            r"|8(?:[16]|3[0134]|9[0-5])|9(?:[028]|17))|4(?:2(?:[13-79]|8[014-6])|3[0-57]|[45]"
            r"|6[248]|7[2-47]|9[29])|5(?:2|3(?:[045]|9(?:[0-58]|6[4-9]|7[0-35689]))|4[0-369]"
            r"|5[29]|8[02389]|9[0-3])|7(?:2[02-46-9]|34|[58]|6[0249]|7[57]"
            r"|9(?:[23]|4[0-59]|5[01569]|6[0167]))|8(?:2(?:[1258]|4[0-39]|9[0169])"
            r"|3(?:[29]|60|7(?:[017-9]|6[6-8]))|49|51|6(?:[0-24]|36[2-57-9]|5(?:[0-389]|5[23])"
            r"|6(?:[01]|9[178])|7(?:2[2-468]|3[78])|9[0145])|7[0-468]|8[68])|9(?:4[15]|5[138]"
            r"|7[156]|8[189]|9(?:[1289]|3(?:31|4[357])|4[0178]))|(?:8294|96)[1-3]|2(?:57|93)"
            r"[015-9]|(?:223|8699)[014-9]|(?:25[0468]|422|838)[01]|(?:48|8292|9[23])[1-9]"
            r"|(?:47[59]|59[89]|8(?:68|9))[019]"
        ),
    ),
    (4, re.compile(r"[14]|[289][2-9]|5[3-9]|7[2-4679]")),
)
LANDLINE_LENGTH = 10
SUBSCRIBER_DIGITS = 4  # the last group of every landline number


def classify(digits: str) -> NumberClass | None:
    """The kind of number these first digits start (a whole number or the start of one);
    None while too few digits are there to tell (0, 05, 012 …) or it does not start with 0."""
    if not digits.startswith(TRUNK_PREFIX):
        return None
    for known in _BY_PREFIX:
        if digits.startswith(known.prefix):
            return known
        if known.prefix.startswith(digits):
            return None  # 012 may still become 0120: not yet known
    if len(digits) < 2:
        return None
    return NumberClass(PhoneKind.LANDLINE, digits[:2], LANDLINE_LENGTH, _landline_groups(digits))


def _landline_groups(digits: str) -> tuple[int, ...]:
    """市外局番, 市内局番, 加入者番号: (2, 4, 4) for 03, (4, 2, 4) for 0771 …; a 4-digit area
    code until enough digits are there to tell (the shape most area codes have)."""
    after_trunk = digits[1:]
    area = next((n for n, pattern in _AREA_CODE_LENGTHS if pattern.match(after_trunk)), 4)
    return (area, LANDLINE_LENGTH - area - SUBSCRIBER_DIGITS, SUBSCRIBER_DIGITS)


def entry_groups(digits: str) -> tuple[int, ...]:
    """How the digits typed so far are grouped on the number pad, with the open places of the
    whole number: by its kind once the first digits tell it, else as a mobile (3-4-4)."""
    known = classify(digits)
    if known is None or not known.groups:
        return (3, 4, 4)
    return known.groups


def entry_length(digits: str) -> int:
    """The most digits the pad takes for a number starting so: 10 for a landline or 0120, so
    that 077-1234-5678 cannot be typed; 11 while the kind is open."""
    known = classify(digits)
    return known.length if known is not None and known.length else LONGEST


def format_phone(digits: str) -> str:
    """0771234567 → 0771-23-4567, 09012345678 → 090-1234-5678. Anything that is not a whole
    number of its kind comes back unchanged: a reader must see exactly what was stored."""
    known = classify(digits) if digits.isascii() and digits.isdigit() else None
    if known is None or not known.groups or len(digits) != known.length:
        return digits
    parts, rest = [], digits
    for size in known.groups:
        parts.append(rest[:size])
        rest = rest[size:]
    return "-".join(parts)
