"""My Number Card reading without PC/SC: TLV, the card profile, the APDU sequence and the
resident flow, over a scripted fake transport (the emulator's card logic, or fixed answers)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from core.catalog import CardField
from core.i18n import UiText
from devices.card_transport import CardAbsent, ReaderAbsent, ServiceUnavailable, TransportTimeout
from devices.emulators.card_emulator import (
    FICTIONAL_KOJIN_BANGO,
    CardIdentity,
    CardRemovedByFault,
    EmulatedCard,
    Fault,
    basic_four_file,
)
from devices.mynumber import (
    CURRENT_PROFILE,
    ApduChannel,
    CardProfile,
    CardRemoved,
    CardTimeout,
    Deadline,
    ForbiddenFile,
    NoReader,
    PinLocked,
    Sex,
    TlvError,
    UnknownCard,
    WrongPin,
    encode_tlv,
    is_forbidden_apdu,
    iter_tlv,
    mask_apdu,
    read_basic_four_with_pin,
    read_tlv_header,
)
from kiosk.card_session import (
    CardSession,
    CardStep,
    ConnectedCard,
    PinWarning,
)

REPO = Path(__file__).resolve().parents[1]
UI = UiText.load()
PIN = "4721"
WRONG = "9999"
LONG_ADDRESS = "沖縄県那覇市港町二丁目十五番地の二十三 那覇港湾合同庁舎別館 第三会議室前" * 3


class FakeTransport:
    """The emulator's card behind the Transport interface; a fault takes the card away."""

    def __init__(self, card: EmulatedCard | None = None, **card_options) -> None:
        self.card = card or EmulatedCard(pin=PIN, **card_options)
        self.connected = False
        self.present = True
        self.reader_present = True
        self.sent: list[bytes] = []
        self.timeouts: list[float] = []
        self.connects = 0

    def connect(self, timeout_s: float) -> bytes:
        if not self.reader_present:
            raise ReaderAbsent("no reader")
        if not self.present:
            raise CardAbsent("no card")
        self.connects += 1
        self.connected = True
        self.card.power_on()
        return b"\x3b\x80\x80\x01\x01"

    def disconnect(self) -> None:
        self.connected = False

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        assert timeout_s > 0
        self.timeouts.append(timeout_s)
        if not (self.present and self.connected):
            raise CardAbsent("card gone")
        self.sent.append(apdu)
        try:
            response = self.card.process(apdu)
            self.card.after_reply(apdu)
        except CardRemovedByFault:
            self.present = False
            if not response_sent(apdu, self.card):
                raise CardAbsent("removed mid-exchange") from None
        return response[:-2], response[-2], response[-1]

    def reinsert(self) -> None:
        self.present = True

    def verifies_with_pin(self) -> int:
        return sum(1 for apdu in self.sent if apdu[1] == 0x20 and len(apdu) > 4)


def response_sent(apdu: bytes, card: EmulatedCard) -> bool:
    """REMOVE_BEFORE_VERIFY strikes after the answer went out; the others instead of it."""
    return card.fault is Fault.REMOVE_BEFORE_VERIFY


class ScriptedTransport(FakeTransport):
    """Answers chosen by the test for some commands, the emulator's card for the rest."""

    def __init__(self, answers: Callable[[bytes], bytes | None]) -> None:
        super().__init__()
        self.answers = answers

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        scripted = self.answers(apdu)
        if scripted is None:
            return super().transmit(apdu, timeout_s)
        self.sent.append(apdu)
        return scripted[:-2], scripted[-2], scripted[-1]


def is_verify_with_pin(apdu: bytes) -> bool:
    return apdu[1] == 0x20 and len(apdu) > 4


def is_tries_query(apdu: bytes) -> bool:
    return apdu[1] == 0x20 and len(apdu) == 4


# -- BER-TLV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoded", "tag", "length", "header"),
    [
        (bytes.fromhex("DF2203") + b"abc", 0xDF22, 3, 3),
        (bytes.fromhex("DF238180") + bytes(0x80), 0xDF23, 0x80, 4),
        (bytes.fromhex("FF20820123") + bytes(0x123), 0xFF20, 0x123, 5),
        (bytes.fromhex("5A02") + b"\x01\x02", 0x5A, 2, 2),
    ],
)
def test_tlv_header_reads_one_two_and_three_byte_lengths(encoded, tag, length, header):
    assert read_tlv_header(encoded) == (tag, length, header)
    [only] = iter_tlv(encoded)
    assert only.value == encoded[header:]


@pytest.mark.parametrize("size", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x1234])
def test_encoded_tlv_reads_back_whatever_its_length_form(size):
    value = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    encoded = encode_tlv(0xDF23, value)
    assert encoded[2] == (size if size < 0x80 else 0x81 if size <= 0xFF else 0x82)
    assert [(t.tag, t.value) for t in iter_tlv(encoded)] == [(0xDF23, value)]


@pytest.mark.parametrize(
    "broken",
    [
        bytes.fromhex("DF2205") + b"abc",  # says 5, holds 3
        bytes.fromhex("DF2281"),  # long form without its length byte
        bytes.fromhex("DF228301000000"),  # 4-byte length: never on this card
        bytes.fromhex("DF"),  # tag cut short
    ],
)
def test_broken_tlv_is_refused_not_guessed(broken):
    with pytest.raises(TlvError):
        list(iter_tlv(broken))


# -- the profile and the wire rules ------------------------------------------------------------


def test_the_profile_refuses_to_select_ef_0001():
    with pytest.raises(ForbiddenFile, match="個人番号"):
        CURRENT_PROFILE.select_ef(0x0001)


def test_a_profile_that_lists_ef_0001_cannot_be_built():
    with pytest.raises(ForbiddenFile):
        CardProfile(**{**CURRENT_PROFILE.__dict__, "readable_efs": frozenset({0x0002, 0x0001})})
    with pytest.raises(ForbiddenFile):
        # Dropping EF 0001 from the profile's own forbidden list does not open it either.
        CardProfile(**{**CURRENT_PROFILE.__dict__, "forbidden_efs": frozenset()}).select_ef(0x0001)


@pytest.mark.parametrize(
    "apdu",
    [
        bytes.fromhex("00A4020C020001"),  # SELECT EF 0001
        bytes.fromhex("00A4000C020001"),  # SELECT by file id, other P1
        bytes.fromhex("00A4080C0400110001"),  # SELECT by path ending in 0001
        bytes.fromhex("00B0810000"),  # READ BINARY with short file id 1
    ],
)
def test_the_channel_refuses_any_apdu_reaching_ef_0001_before_sending(apdu):
    transport = FakeTransport()
    transport.connect(1)
    assert is_forbidden_apdu(apdu)
    with pytest.raises(ForbiddenFile):
        ApduChannel(transport).exchange(apdu, Deadline(1))
    assert transport.sent == []


def test_reading_files_the_profile_reads_is_not_refused():
    for apdu in (CURRENT_PROFILE.select_ef(0x0002), CURRENT_PROFILE.read_binary(0x0100, 0xFF)):
        assert not is_forbidden_apdu(apdu)


def test_verify_data_is_masked_in_the_trace():
    apdu = CURRENT_PROFILE.verify(PIN)
    assert mask_apdu(apdu) == "00 20 00 80 04 ** ** ** **"
    assert PIN.encode().hex() not in mask_apdu(apdu).replace(" ", "").lower()


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", "１２３４", ""])
def test_a_malformed_pin_never_reaches_the_card(pin):
    transport = FakeTransport()
    with pytest.raises(ValueError):
        read_basic_four_with_pin(transport, pin, 2)
    assert transport.verifies_with_pin() == 0


# -- the sequence -------------------------------------------------------------------------------


def test_correct_pin_reads_every_resident_exactly(residents):
    for resident in residents:
        identity = CardIdentity.from_resident(resident)
        transport = FakeTransport(identity=identity)
        trace: list[str] = []
        four = read_basic_four_with_pin(transport, PIN, 2, trace=trace)
        assert four == identity.expected(), resident["id"]
        assert len(transport.sent) <= 12  # the figure of issue 6
        assert transport.verifies_with_pin() == 1


def test_non_bmp_and_variation_selector_names_survive_unchanged(residents):
    by_id = {r["id"]: r for r in residents}
    for resident_id, char in (("r04", "𠮷"), ("r05", "葛\U000e0100"), ("r02", "髙")):
        identity = CardIdentity.from_resident(by_id[resident_id])
        four = read_basic_four_with_pin(FakeTransport(identity=identity), PIN, 2)
        assert four.name.startswith(char)


def test_long_address_needs_long_form_lengths_and_is_read_in_chunks():
    identity = CardIdentity(address=LONG_ADDRESS)
    content = basic_four_file(identity)
    assert content[:3] == bytes.fromhex("FF2082")  # outer length in the 3-byte form
    transport = FakeTransport(identity=identity)
    four = read_basic_four_with_pin(transport, PIN, 2)
    assert four.address == LONG_ADDRESS
    reads = [apdu for apdu in transport.sent if apdu[1] == 0xB0]
    assert len(reads) >= 3 and all(apdu[4] <= 0xFF for apdu in reads)
    assert all(apdu[2] & 0x80 == 0 for apdu in reads)  # offsets, never a short file id


@pytest.mark.parametrize(("tries", "left_after"), [(3, 2), (2, 1)])
def test_wrong_pin_reports_tries_left_and_sends_the_pin_once(tries, left_after):
    transport = FakeTransport(tries_left=tries)
    with pytest.raises(WrongPin) as wrong:
        read_basic_four_with_pin(transport, WRONG, 2)
    assert wrong.value.tries_left == left_after
    assert transport.verifies_with_pin() == 1


def test_the_locking_pin_reports_locked_and_a_later_read_spends_no_try():
    transport = FakeTransport(tries_left=1)
    with pytest.raises(PinLocked):
        read_basic_four_with_pin(transport, WRONG, 2)
    with pytest.raises(PinLocked):
        read_basic_four_with_pin(transport, PIN, 2)  # even the right PIN is not sent now
    assert transport.verifies_with_pin() == 1


@pytest.mark.parametrize("status", ["63C0", "6983", "6984"])
@pytest.mark.parametrize("where", ["tries_query", "verify"])
def test_every_locked_status_means_locked(status, where):
    chosen = is_tries_query if where == "tries_query" else is_verify_with_pin
    transport = ScriptedTransport(lambda apdu: bytes.fromhex(status) if chosen(apdu) else None)
    with pytest.raises(PinLocked):
        read_basic_four_with_pin(transport, PIN, 2)
    assert transport.verifies_with_pin() == (1 if where == "verify" else 0)


def test_an_already_locked_card_is_reported_before_any_pin_is_sent():
    transport = FakeTransport(tries_left=0)
    with pytest.raises(PinLocked):
        read_basic_four_with_pin(transport, PIN, 2)
    assert transport.verifies_with_pin() == 0


@pytest.mark.parametrize(
    "fault",
    [Fault.REMOVE_BEFORE_VERIFY, Fault.REMOVE_DURING_VERIFY, Fault.REMOVE_DURING_READ],
)
def test_a_card_removed_at_any_point_is_card_removed(fault):
    transport = FakeTransport(fault=fault)
    with pytest.raises(CardRemoved):
        read_basic_four_with_pin(transport, PIN, 2)
    assert transport.verifies_with_pin() <= 1


def test_an_unknown_card_is_reported_as_unknown():
    with pytest.raises(UnknownCard):
        read_basic_four_with_pin(FakeTransport(fault=Fault.UNKNOWN_CARD), PIN, 2)


@pytest.mark.parametrize("error", [ReaderAbsent("gone"), ServiceUnavailable("no pcscd")])
def test_no_reader_or_no_pcscd_is_no_reader(error):
    transport = FakeTransport()

    def refuse(timeout_s: float) -> bytes:
        raise error

    transport.connect = refuse
    with pytest.raises(NoReader):
        read_basic_four_with_pin(transport, PIN, 2)


def test_every_apdu_gets_a_deadline_no_longer_than_what_is_left():
    transport = FakeTransport()
    read_basic_four_with_pin(transport, PIN, 0.9)
    assert transport.timeouts and all(0 < t <= 0.9 for t in transport.timeouts)
    assert transport.timeouts == sorted(transport.timeouts, reverse=True)


def test_a_slow_card_times_out_and_nothing_is_sent_after_the_deadline():
    transport = FakeTransport()
    transport.connect(1)
    channel = ApduChannel(transport)
    with pytest.raises(CardTimeout):
        channel.exchange(CURRENT_PROFILE.select_ap(), Deadline(-0.001))
    assert transport.sent == []

    def stuck(apdu: bytes, timeout_s: float):
        raise TransportTimeout("no answer")

    transport.transmit = stuck
    with pytest.raises(CardTimeout):
        channel.exchange(CURRENT_PROFILE.select_ap(), Deadline(1))


# -- the resident flow --------------------------------------------------------------------------


def session_with(transport: FakeTransport, **options) -> CardSession:
    return CardSession(ConnectedCard(transport), **options)


def test_correct_pin_prefills_with_wareki_and_waits_for_the_card_to_be_taken(residents):
    identity = CardIdentity.from_resident(next(r for r in residents if r["id"] == "r02"))
    transport = FakeTransport(identity=identity)
    session = session_with(transport)
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    assert session.page.warning is PinWarning.NONE
    page = session.submit_pin(PIN)
    assert page.step is CardStep.TAKE_CARD
    assert UI.get(page.message_key, "ja") == "カードをお取りください。"
    prefill = session.prefill
    assert prefill is not None
    assert prefill.birth_date == date(1989, 1, 7)
    assert prefill.birth_date_wareki == "昭和64年1月7日"
    assert prefill.card_answers() == {
        CardField.NAME: "髙橋 一郎",
        CardField.ADDRESS: identity.address,
        CardField.BIRTH_DATE: date(1989, 1, 7),
        CardField.SEX: "male",
    }
    assert session.card_removed().step is CardStep.DONE
    assert "髙" not in repr(prefill) and "1989" not in repr(prefill)


def test_sex_not_stated_on_the_card_is_left_for_the_resident_to_answer():
    transport = FakeTransport(identity=CardIdentity(sex=Sex.NOT_APPLICABLE.value))
    session = session_with(transport)
    session.card_inserted()
    session.submit_pin(PIN)
    assert CardField.SEX not in session.prefill.card_answers()


@pytest.mark.parametrize(
    ("tries", "warning", "shown"),
    [(2, PinWarning.FEW_LEFT, "あと2回"), (1, PinWarning.LAST_TRY, "あと1回")],
)
def test_fewer_tries_left_are_shown_before_the_pin_is_asked(tries, warning, shown):
    transport = FakeTransport(tries_left=tries)
    page = session_with(transport).card_inserted()
    assert page.step is CardStep.PIN_ENTRY and page.tries_left == tries
    assert page.warning is warning
    assert shown in UI.get(page.warning_key, "ja", **page.values)
    assert transport.verifies_with_pin() == 0


def test_wrong_pin_shows_tries_left_and_never_retries():
    transport = FakeTransport()
    session = session_with(transport)
    session.card_inserted()
    page = session.submit_pin(WRONG)
    assert page.step is CardStep.PIN_ENTRY
    assert (page.tries_left, page.warning, page.notice_key) == (
        2,
        PinWarning.FEW_LEFT,
        "card_wrong_pin",
    )
    assert transport.verifies_with_pin() == 1
    page = session.submit_pin(WRONG)
    assert page.tries_left == 1 and page.warning is PinWarning.LAST_TRY
    assert transport.verifies_with_pin() == 2
    assert session.submit_pin(WRONG).step is CardStep.LOCKED
    assert session.page.offer_alternatives
    assert session.submit_pin(PIN).step is CardStep.LOCKED  # nothing sent once locked
    assert transport.verifies_with_pin() == 3


def test_a_pin_that_is_not_four_digits_stays_on_the_pad_and_sends_nothing():
    transport = FakeTransport()
    session = session_with(transport)
    session.card_inserted()
    sent = len(transport.sent)
    page = session.submit_pin("12")
    assert page.step is CardStep.PIN_ENTRY and page.notice_key == "card_pin_format"
    assert len(transport.sent) == sent


@pytest.mark.parametrize(
    ("options", "step"),
    [
        ({"tries_left": 0}, CardStep.LOCKED),
        ({"fault": Fault.UNKNOWN_CARD}, CardStep.UNKNOWN_CARD),
    ],
)
def test_locked_and_unknown_cards_offer_qr_or_manual_entry(options, step):
    page = session_with(FakeTransport(**options)).card_inserted()
    assert page.step is step and page.offer_alternatives


def test_no_reader_offers_qr_or_manual_entry_and_recovers_when_one_appears():
    transport = FakeTransport()
    transport.reader_present = False
    session = session_with(transport, reader_present=False)
    assert session.step is CardStep.NO_READER and session.page.offer_alternatives
    assert session.card_inserted().step is CardStep.NO_READER  # connect fails: still none
    transport.reader_present = True
    assert session.reader_changed(True).step is CardStep.WAITING_FOR_CARD
    assert session.card_inserted().step is CardStep.PIN_ENTRY


def test_card_removed_before_verify_restarts_cleanly():
    transport = FakeTransport()
    session = session_with(transport)
    session.card_inserted()
    transport.present = False
    page = session.card_removed()
    assert page.step is CardStep.WAITING_FOR_CARD
    assert page.notice_key == "card_removed_restart"
    assert transport.verifies_with_pin() == 0


@pytest.mark.parametrize("fault", [Fault.REMOVE_DURING_VERIFY, Fault.REMOVE_DURING_READ])
def test_card_removed_mid_sequence_restarts_from_the_top(fault):
    transport = FakeTransport(fault=fault)
    session = session_with(transport)
    session.card_inserted()
    page = session.submit_pin(PIN)
    assert page.step is CardStep.WAITING_FOR_CARD
    assert page.notice_key == "card_removed_restart"
    assert session.prefill is None
    transport.reinsert()
    sent_before = len(transport.sent)
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    # From the top: the application is selected again and the tries are asked again.
    assert transport.sent[sent_before] == CURRENT_PROFILE.select_ap()
    assert session.submit_pin(PIN).step is CardStep.TAKE_CARD
    assert transport.connects == 2


def test_no_pin_or_kojin_bango_in_logs_trace_or_session(caplog):
    caplog.set_level(logging.DEBUG)
    transport = FakeTransport()
    access = ConnectedCard(transport)
    session = CardSession(access)
    session.card_inserted()
    session.submit_pin(WRONG)
    session.submit_pin(PIN)
    assert session.step is CardStep.TAKE_CARD
    logged = caplog.text
    assert logged  # the flow does log its steps
    texts = [logged, "\n".join(access.trace), "\n".join(transport.card.journal)]
    for text in texts:
        for secret in (PIN, WRONG, FICTIONAL_KOJIN_BANGO, PIN.encode().hex(), "34373231"):
            assert secret not in text.replace(" ", "")
    assert any("** ** ** **" in line for line in access.trace)
    # The session keeps nothing of the PIN once submit_pin returned.
    assert PIN not in repr(vars(session)) and PIN not in repr(vars(access))
    assert not any(apdu.endswith(b"\x00\x01") and apdu[1] == 0xA4 for apdu in transport.sent)


def test_card_modules_import_without_qt_and_without_pyscard():
    code = (
        "import sys; sys.modules['smartcard'] = None\n"
        "import kiosk.card_session, devices.emulators.card_emulator, devices.card_transport\n"
        "from devices.mynumber import read_card, NoReader\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'\n"
        "try:\n"
        "    read_card('1234', 1)\n"
        "except NoReader:\n"
        "    print('no reader')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no reader"


def test_every_card_message_has_japanese_easy_japanese_and_english():
    from kiosk import card_session

    keys = set(card_session._STEP_MESSAGES.values()) | set(card_session._WARNING_MESSAGES.values())
    keys |= {"card_pin_format", "card_wrong_pin", "card_removed_restart"}
    for key in keys:
        texts = {UI.get(key, language, tries=2) for language in ("ja", "ja-easy", "en")}
        assert len(texts) == 3, key  # three different texts: none fell back to Japanese
