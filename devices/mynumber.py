"""The My Number Card's 券面事項入力補助AP: read name, address, birth date and sex after the PIN.

Everything that belongs to one card generation (AIDs, file ids, tags, the PIN format) lives in a
CardProfile, so the generation announced for 2026 is a new profile, not a rewrite. Every APDU is
built by the profile, and the profile refuses EF 0001 (the 個人番号, 番号法 §19–20): there is no
way to ask this module for it. The ApduChannel refuses it a second time on the wire.

Rules held here, each backed by a test: the PIN goes to the card once per call and is never
kept, retried or logged; APDU traces mask VERIFY data and never carry response data; `63 C0`,
`69 83` and `69 84` all mean locked; every APDU has a deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from devices.card_transport import (
    CardAbsent,
    ReaderAbsent,
    ServiceUnavailable,
    Transport,
    TransportError,
    TransportTimeout,
)

log = logging.getLogger(__name__)

# -- typed failures ----------------------------------------------------------------------------


class CardFailure(StrEnum):
    WRONG_PIN = "wrong_pin"  # tries left > 0
    LOCKED = "locked"  # go to the counter
    CARD_REMOVED = "card_removed"  # restart the sequence from the top
    UNKNOWN_CARD = "unknown_card"  # not a My Number Card (or not this generation)
    NO_READER = "no_reader"  # no reader, or no PC/SC on this machine
    NO_CARD = "no_card"  # readers, but none holds a card
    TIMEOUT = "timeout"  # the card or reader did not answer in time
    CARD_ERROR = "card_error"  # an answer this profile does not expect


class CardReadError(Exception):
    """A failure the resident flow can act on; `failure` says which."""

    failure = CardFailure.CARD_ERROR


class WrongPin(CardReadError):
    failure = CardFailure.WRONG_PIN

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong PIN, {tries_left} tries left")
        self.tries_left = tries_left


class PinLocked(CardReadError):
    failure = CardFailure.LOCKED


class CardRemoved(CardReadError):
    failure = CardFailure.CARD_REMOVED


class UnknownCard(CardReadError):
    failure = CardFailure.UNKNOWN_CARD


class NoReader(CardReadError):
    failure = CardFailure.NO_READER


class NoCard(CardReadError):
    failure = CardFailure.NO_CARD


class CardTimeout(CardReadError):
    failure = CardFailure.TIMEOUT


class CardProtocolError(CardReadError):
    failure = CardFailure.CARD_ERROR


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


# -- the wire: deadlines, masking, the second refusal of EF 0001 -------------------------------

DEFAULT_APDU_TIMEOUT_S = 3.0


class Deadline:
    """An absolute point in monotonic time; every APDU gets what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()


def mask_apdu(apdu: bytes) -> str:
    """The APDU as hex for a trace, with the data of any VERIFY replaced by asterisks."""
    if len(apdu) > 5 and apdu[1] == 0x20:
        return apdu[:5].hex(" ").upper() + " " + " ".join(["**"] * (len(apdu) - 5))
    return apdu.hex(" ").upper()


def is_forbidden_apdu(apdu: bytes) -> bool:
    """SELECT of EF 0001 (by file id or path) or READ BINARY naming it by short file id."""
    if len(apdu) < 4:
        return False
    ins, p1 = apdu[1], apdu[2]
    if ins == 0xA4 and p1 in (0x00, 0x02, 0x08, 0x09) and len(apdu) >= 7:
        file_ids = {int.from_bytes(apdu[i : i + 2], "big") for i in range(5, len(apdu) - 1, 2)}
        return bool(file_ids & FORBIDDEN_FILE_IDS)
    return ins in (0xB0, 0xB1) and p1 & 0x80 != 0 and (p1 & 0x1F) in FORBIDDEN_FILE_IDS


@dataclass
class ApduChannel:
    """A transport plus the rules every APDU obeys: a deadline, a masked trace, no EF 0001."""

    transport: Transport
    per_apdu_timeout_s: float = DEFAULT_APDU_TIMEOUT_S
    trace: list[str] = field(default_factory=list)

    def exchange(self, apdu: bytes, deadline: Deadline) -> tuple[bytes, int, int]:
        if is_forbidden_apdu(apdu):
            raise ForbiddenFile("refused an APDU that would reach EF 0001")
        timeout = min(self.per_apdu_timeout_s, deadline.remaining())
        if timeout <= 0:
            raise CardTimeout("deadline passed before the APDU was sent")
        shown = mask_apdu(apdu)
        try:
            data, sw1, sw2 = self.transport.transmit(apdu, timeout)
        except TransportError as error:
            self.trace.append(f"{shown} -> {type(error).__name__}")
            raise card_error_for(error) from None
        # Sizes only: response data is personal (and the trace is written to logs).
        self.trace.append(f"{shown} -> {len(data)} bytes {sw1:02X} {sw2:02X}")
        return data, sw1, sw2


def card_error_for(error: TransportError) -> CardReadError:
    """The failure the resident flow acts on, for a failure of the transport."""
    if isinstance(error, CardAbsent):
        return CardRemoved(str(error))
    if isinstance(error, (ReaderAbsent, ServiceUnavailable)):
        return NoReader(str(error))
    if isinstance(error, TransportTimeout):
        return CardTimeout(str(error))
    return CardProtocolError(str(error))


def _is_locked(sw1: int, sw2: int) -> bool:
    return (sw1, sw2) in ((0x63, 0xC0), (0x69, 0x83), (0x69, 0x84))


# -- the reading sequence -----------------------------------------------------------------------


class MyNumberCardReader:
    """The reading sequence over one connected card. Blocking: call it off the GUI thread."""

    def __init__(self, channel: ApduChannel, profile: CardProfile = CURRENT_PROFILE) -> None:
        self.channel = channel
        self.profile = profile

    @property
    def apdu_count(self) -> int:
        return len(self.channel.trace)

    def _expect_ok(self, apdu: bytes, deadline: Deadline, doing: str) -> None:
        _data, sw1, sw2 = self.channel.exchange(apdu, deadline)
        if (sw1, sw2) != (0x90, 0x00):
            raise CardProtocolError(f"{doing}: {sw1:02X} {sw2:02X}")

    def select_pin_file(self, deadline: Deadline) -> None:
        """SELECT the text AP (an unknown card fails here) and its PIN EF."""
        _data, sw1, sw2 = self.channel.exchange(self.profile.select_ap(), deadline)
        if (sw1, sw2) != (0x90, 0x00):
            # 6A 82 (no such application) and anything else: not a card this profile reads.
            raise UnknownCard(f"SELECT AP: {sw1:02X} {sw2:02X}")
        self._expect_ok(self.profile.select_ef(self.profile.pin_ef), deadline, "SELECT PIN EF")

    def tries_left(self, deadline: Deadline) -> int:
        """PIN tries left, asked without a PIN (VERIFY with no data). PinLocked if none."""
        self.select_pin_file(deadline)
        _data, sw1, sw2 = self.channel.exchange(self.profile.verify(None), deadline)
        if _is_locked(sw1, sw2):
            raise PinLocked(f"{sw1:02X} {sw2:02X}")
        if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
            return sw2 & 0x0F
        if (sw1, sw2) == (0x90, 0x00):  # already verified on this power-up: the full count
            return self.profile.max_pin_tries
        raise CardProtocolError(f"tries left: {sw1:02X} {sw2:02X}")

    def verify_pin(self, pin: str, deadline: Deadline) -> None:
        """Present the PIN exactly once. WrongPin(tries_left) or PinLocked; never a retry."""
        apdu = self.profile.verify(pin)  # ValueError for a malformed PIN, before any I/O
        _data, sw1, sw2 = self.channel.exchange(apdu, deadline)
        if (sw1, sw2) == (0x90, 0x00):
            return
        if _is_locked(sw1, sw2):
            raise PinLocked(f"{sw1:02X} {sw2:02X}")
        if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
            raise WrongPin(sw2 & 0x0F)
        raise CardProtocolError(f"VERIFY: {sw1:02X} {sw2:02X}")

    def read_basic_four(self, deadline: Deadline) -> BasicFour:
        """SELECT EF 0002 and READ BINARY it in chunks: the outer header first, then the rest."""
        profile = self.profile
        self._expect_ok(profile.select_ef(profile.basic_four_ef), deadline, "SELECT EF")
        head = self._read(0, profile.header_probe, deadline)
        try:
            _tag, length, header = read_tlv_header(head)
        except TlvError as error:
            raise CardProtocolError(f"basic four header: {error}") from None
        total = header + length
        content = bytearray(head[:total])
        while len(content) < total:
            chunk = self._read(len(content), min(profile.max_read, total - len(content)), deadline)
            if not chunk:
                raise CardProtocolError("READ BINARY returned nothing before the end")
            content += chunk
        try:
            return profile.parse_basic_four(bytes(content[:total]))
        except TlvError as error:
            raise CardProtocolError(f"basic four: {error}") from None

    def _read(self, offset: int, length: int, deadline: Deadline) -> bytes:
        data, sw1, sw2 = self.channel.exchange(self.profile.read_binary(offset, length), deadline)
        if sw1 == 0x90 or (sw1, sw2) == (0x62, 0x82):  # 62 82: end of file reached early
            return data
        if sw1 == 0x6C:  # wrong Le: the card says how many bytes it has from here
            return self._read(offset, sw2 or 0x100, deadline)
        raise CardProtocolError(f"READ BINARY: {sw1:02X} {sw2:02X}")

    def verify_and_read(self, pin: str, deadline: Deadline) -> BasicFour:
        """SELECT → VERIFY (once) → read. The tries-left query is the caller's earlier step."""
        self.select_pin_file(deadline)
        self.verify_pin(pin, deadline)
        return self.read_basic_four(deadline)


def read_basic_four_with_pin(
    transport: Transport,
    pin: str,
    deadline_s: float,
    profile: CardProfile = CURRENT_PROFILE,
    trace: list[str] | None = None,
) -> BasicFour:
    """The whole sequence on a transport: connect → tries left → VERIFY → read → disconnect.

    The tries-left check comes first so a locked card is reported without spending a try.
    """
    profile.verify(pin)  # a malformed PIN is a ValueError before the card is touched
    deadline = Deadline(deadline_s)
    try:
        transport.connect(deadline.remaining())
    except TransportError as error:
        raise card_error_for(error) from None
    return _read_connected(transport, pin, deadline, profile, trace)


def _read_connected(
    transport: Transport,
    pin: str,
    deadline: Deadline,
    profile: CardProfile,
    trace: list[str] | None,
) -> BasicFour:
    reader = MyNumberCardReader(
        ApduChannel(transport, trace=[] if trace is None else trace), profile
    )
    try:
        reader.tries_left(deadline)  # leaves the PIN EF selected for the VERIFY below
        reader.verify_pin(pin, deadline)
        return reader.read_basic_four(deadline)
    finally:
        transport.disconnect()


def read_card(
    pin: str,
    deadline_s: float,
    reader: str | None = None,
    profile: CardProfile = CURRENT_PROFILE,
    trace: list[str] | None = None,
) -> BasicFour:
    """Read the basic four items from the card in `reader` (default: the first reader holding a
    card) over PC/SC — for `kiosk devices test card` and the benchmarks.

    Raises NoReader, NoCard, WrongPin, PinLocked, CardRemoved, UnknownCard, CardTimeout or
    CardProtocolError; a malformed PIN is a ValueError before anything is sent.
    """
    from devices.card_transport import PcscTransport, list_readers

    profile.verify(pin)  # refuse a malformed PIN before touching the card
    deadline = Deadline(deadline_s)
    try:
        names = [reader] if reader else list_readers(max(deadline.remaining(), 0.0))
    except TransportError as error:
        raise card_error_for(error) from None
    if not names:
        raise NoReader("no PC/SC reader")
    for name in names:
        transport = PcscTransport(name)
        try:
            transport.connect(max(deadline.remaining(), 0.0))
        except CardAbsent:
            continue  # this reader is empty; the card may be in the next one
        except TransportError as error:
            raise card_error_for(error) from None
        return _read_connected(transport, pin, deadline, profile, trace)
    raise NoCard(f"no card in {len(names)} reader(s)")
