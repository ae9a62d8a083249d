"""What a My Number Card generation holds and how it is encoded: BER-TLV, the basic four items,
and the CardProfile that builds every APDU the kiosk sends and refuses EF 0001 (the 個人番号).

Data and pure functions only, no I/O: devices/mynumber.py runs the reading sequence over a
transport, with deadlines and a masked trace, and refuses EF 0001 a second time on the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ForbiddenFile(ValueError):
    """Raised before anything is sent when code asks for a file the kiosk must never read."""


class TlvError(ValueError):
    """Bytes that are not the BER-TLV the profile expects."""


# -- BER-TLV ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes


def read_tlv_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """(tag, value length, header length) of the TLV at offset.

    Tags of one or more bytes (low five bits all set = more bytes follow); lengths of 1 byte
    (< 0x80), `81 xx` or `82 xx xx` — the card uses the long forms for long addresses.
    """
    position = offset
    if position >= len(data):
        raise TlvError("no tag")
    tag = data[position]
    position += 1
    if tag & 0x1F == 0x1F:
        while True:
            if position >= len(data):
                raise TlvError("tag cut short")
            tag = (tag << 8) | data[position]
            position += 1
            if not data[position - 1] & 0x80:
                break
    if position >= len(data):
        raise TlvError("no length")
    first = data[position]
    position += 1
    if first < 0x80:
        length = first
    elif first in (0x81, 0x82):
        count = first & 0x7F
        if position + count > len(data):
            raise TlvError("length cut short")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    else:
        # 0x80 (indefinite) and 3+ byte lengths never occur on this card; refuse, not guess.
        raise TlvError(f"unsupported length byte {first:02X}")
    return tag, length, position - offset


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    """The TLVs that follow each other in data; TlvError if one runs past the end."""
    offset = 0
    while offset < len(data):
        if data[offset] in (0x00, 0xFF) and offset + 1 == len(data):
            return  # a padding byte at the very end of a file
        tag, length, header = read_tlv_header(data, offset)
        end = offset + header + length
        if end > len(data):
            raise TlvError(f"tag {tag:X} says {length} bytes, only {len(data) - offset - header}")
        yield Tlv(tag, bytes(data[offset + header : end]))
        offset = end


def encode_tlv(tag: int, value: bytes) -> bytes:
    """The BER-TLV of (tag, value), with the shortest length form (used by the emulator)."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    size = len(value)
    if size < 0x80:
        length = bytes([size])
    elif size <= 0xFF:
        length = bytes([0x81, size])
    elif size <= 0xFFFF:
        length = bytes([0x82]) + size.to_bytes(2, "big")
    else:
        raise TlvError(f"{size} bytes is too long for this card")
    return tag_bytes + length + value


# -- the card's contents ------------------------------------------------------------------------


class Sex(StrEnum):
    """ISO 5218, as the card stores it."""

    NOT_KNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    NOT_APPLICABLE = "9"


@dataclass(frozen=True, repr=False)
class BasicFour:
    """基本4情報 as printed on the card. Personal data: never logged, so no field shows in repr."""

    name: str
    address: str
    birth_date: date
    sex: Sex

    def __repr__(self) -> str:
        return "BasicFour(<personal data>)"


# -- the card generation ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardProfile:
    """One card generation: where the basic four items are and how they are encoded."""

    name: str
    text_ap_aid: bytes  # 券面事項入力補助AP
    pin_ef: int
    basic_four_ef: int
    outer_tag: int
    name_tag: int
    address_tag: int
    birth_tag: int
    sex_tag: int
    pin_length: int = 4
    max_pin_tries: int = 3
    header_probe: int = 7  # enough for the outer tag and a 3-byte length
    max_read: int = 0xFF  # short APDUs only: every reader handles them
    readable_efs: frozenset[int] = frozenset()
    # Files the kiosk must never read, whatever a profile says it may (番号法 §19–20).
    forbidden_efs: frozenset[int] = frozenset({0x0001})

    def __post_init__(self) -> None:
        if self.readable_efs & self.forbidden_efs:
            raise ForbiddenFile(f"profile {self.name} lists a forbidden file as readable")

    def select_ap(self) -> bytes:
        return bytes([0x00, 0xA4, 0x04, 0x0C, len(self.text_ap_aid)]) + self.text_ap_aid

    def select_ef(self, file_id: int) -> bytes:
        """SELECT EF by id — only for files this profile reads; EF 0001 never."""
        if file_id in self.forbidden_efs or file_id in FORBIDDEN_FILE_IDS:
            raise ForbiddenFile(f"EF {file_id:04X} holds the 個人番号 and is never read")
        if file_id not in self.readable_efs:
            raise ForbiddenFile(f"EF {file_id:04X} is not a file of profile {self.name}")
        return bytes([0x00, 0xA4, 0x02, 0x0C, 0x02]) + file_id.to_bytes(2, "big")

    def verify(self, pin: str | None) -> bytes:
        """VERIFY for the PIN EF; with pin None, the query that only returns the tries left."""
        header = bytes([0x00, 0x20, 0x00, 0x80])
        if pin is None:
            return header
        if len(pin) != self.pin_length or not (pin.isascii() and pin.isdigit()):
            raise ValueError(f"the PIN is {self.pin_length} digits")
        return header + bytes([self.pin_length]) + pin.encode("ascii")

    @staticmethod
    def read_binary(offset: int, length: int) -> bytes:
        # P1 bit 8 clear: an offset in the current EF, never a short file id (which could name
        # EF 0001 without a SELECT).
        if not 0 <= offset <= 0x7FFF or not 1 <= length <= 0xFF:
            raise ValueError(f"READ BINARY {offset}+{length} out of range")
        return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length])

    def parse_basic_four(self, data: bytes) -> BasicFour:
        outer = next(iter_tlv(data), None)
        if outer is None or outer.tag != self.outer_tag:
            raise TlvError("EF does not start with the basic-four template")
        items = {item.tag: item.value for item in iter_tlv(outer.value)}
        missing = [
            tag
            for tag in (self.name_tag, self.address_tag, self.birth_tag, self.sex_tag)
            if tag not in items
        ]
        if missing:
            raise TlvError(f"missing tags {[f'{tag:X}' for tag in missing]}")
        try:
            # UTF-8 end to end: 𠮷 and variation selectors stay as the card has them.
            name = items[self.name_tag].decode("utf-8")
            address = items[self.address_tag].decode("utf-8")
            birth_text = items[self.birth_tag].decode("ascii")
            sex = Sex(items[self.sex_tag].decode("ascii").strip())
        except (UnicodeDecodeError, ValueError) as error:
            raise TlvError(f"undecodable basic-four item: {type(error).__name__}") from None
        if len(birth_text) != 8 or not birth_text.isdigit():
            raise TlvError("birth date is not YYYYMMDD")
        try:
            birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
        except ValueError:
            raise TlvError("birth date does not exist") from None
        return BasicFour(name.rstrip("\x00"), address.rstrip("\x00"), birth, sex)


# Checked by every profile and by the channel, so no profile (or typo) can read the 個人番号.
FORBIDDEN_FILE_IDS = frozenset({0x0001})

# The card issued since 2016; AIDs and files as in shared/DOMAIN.md.
MY_NUMBER_CARD_2016 = CardProfile(
    name="mynumber-2016",
    text_ap_aid=bytes.fromhex("D3921000310001010408"),
    pin_ef=0x0011,
    basic_four_ef=0x0002,
    outer_tag=0xFF20,
    name_tag=0xDF22,
    address_tag=0xDF23,
    birth_tag=0xDF24,
    sex_tag=0xDF25,
    readable_efs=frozenset({0x0011, 0x0002}),
)
CURRENT_PROFILE = MY_NUMBER_CARD_2016
