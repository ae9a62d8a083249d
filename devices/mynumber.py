"""The My Number Card's 券面事項入力補助AP: read name, address, birth date and sex after the PIN.

Everything that belongs to one card generation (AIDs, file ids, tags, the PIN format) lives in a
CardProfile (devices/mynumber_profile.py, re-exported here), so the generation announced for 2026
is a new profile, not a rewrite. Every APDU is built by the profile, and the profile refuses
EF 0001 (the 個人番号, 番号法 §19–20): there is no way to ask this module for it. The
ApduChannel refuses it a second time on the wire.

Rules held here, each backed by a test: the PIN goes to the card once per call and is never
kept, retried or logged; APDU traces mask VERIFY data and never carry response data; `63 C0`,
`69 83` and `69 84` all mean locked; every APDU has a deadline.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from devices.card_transport import (
    CardAbsent,
    ReaderAbsent,
    ServiceUnavailable,
    Transport,
    TransportError,
    TransportTimeout,
)
from devices.mynumber_profile import (
    CURRENT_PROFILE,
    FORBIDDEN_FILE_IDS,
    MY_NUMBER_CARD_2016,
    BasicFour,
    CardProfile,
    ForbiddenFile,
    Sex,
    Tlv,
    TlvError,
    encode_tlv,
    iter_tlv,
    read_tlv_header,
)

# The card's public face: the session below plus the profile side, so callers import the card
# from one place whichever half a name lives in.
__all__ = [
    "CURRENT_PROFILE",
    "DEFAULT_APDU_TIMEOUT_S",
    "FORBIDDEN_FILE_IDS",
    "MY_NUMBER_CARD_2016",
    "ApduChannel",
    "BasicFour",
    "CardFailure",
    "CardProfile",
    "CardProtocolError",
    "CardReadError",
    "CardRemoved",
    "CardTimeout",
    "Deadline",
    "ForbiddenFile",
    "MyNumberCardReader",
    "NoCard",
    "NoReader",
    "PinLocked",
    "Sex",
    "Tlv",
    "TlvError",
    "UnknownCard",
    "WrongPin",
    "card_error_for",
    "encode_tlv",
    "is_forbidden_apdu",
    "iter_tlv",
    "mask_apdu",
    "read_basic_four_with_pin",
    "read_card",
    "read_tlv_header",
]

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
