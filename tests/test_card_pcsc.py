"""My Number Card reading over the real stack: pyscard → pcscd → vpcd → the emulator process.

These tests fail (never skip) when pcscd, vpcd or pyscard are missing: see tests/pcsc_stack.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from devices.card_transport import (
    CardEvent,
    CardSupervisor,
    PcscTransport,
    ReaderSnapshot,
)
from devices.emulators.card_emulator import FICTIONAL_KOJIN_BANGO, CardIdentity
from devices.mynumber import (
    CardRemoved,
    CardTimeout,
    NoReader,
    PinLocked,
    UnknownCard,
    WrongPin,
    read_card,
)
from kiosk.card_session import CardSession, CardStep, ConnectedCard
from tests.pcsc_stack import READER, PcscStack, pcsc_stack, wait_until

pytestmark = pytest.mark.slow

PIN = "4721"
WRONG = "9999"
DEADLINE_S = 5.0
EVENT_TIMEOUT_S = 8.0
# Longer than pcscd's 400 ms presence poll: a card back sooner than that is never seen as gone
# by pcscd, which then keeps reporting it absent (a vpcd artefact; hands are slower anyway).
REINSERT_MS = "900"
LONG_ADDRESS = "沖縄県那覇市港町二丁目十五番地の二十三 那覇港湾合同庁舎別館 第三会議室前" * 3


@pytest.fixture(scope="module")
def module_stack(tmp_path_factory) -> Iterator[PcscStack]:
    with pcsc_stack(tmp_path_factory.mktemp("pcsc")) as stack:
        yield stack


@pytest.fixture
def stack(module_stack: PcscStack) -> Iterator[PcscStack]:
    if module_stack.pcscd is None or module_stack.pcscd.poll() is not None:
        module_stack.start_pcscd()  # a test that stopped pcscd leaves it for us to bring back
    yield module_stack
    module_stack.remove_card()


def identity_options(identity: CardIdentity) -> list[str]:
    return [
        "--name",
        identity.name,
        "--address",
        identity.address,
        "--birth",
        identity.birth_date.isoformat(),
        "--sex",
        identity.sex,
    ]


@pytest.fixture
def supervisor() -> Iterator[tuple[CardSupervisor, list[tuple[CardEvent, str]]]]:
    events: list[tuple[CardEvent, str]] = []
    watcher = CardSupervisor(lambda event, reader: events.append((event, reader)), poll_s=0.2)
    watcher.start()
    yield watcher, events
    watcher.stop()
    assert not watcher.alive


def card_in(snapshot: ReaderSnapshot) -> bool:
    return READER in snapshot.cards


def no_card(snapshot: ReaderSnapshot) -> bool:
    return snapshot.service_up and READER in snapshot.readers and READER not in snapshot.cards


# -- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("resident_id", ["r04", "r05", "r02"])
def test_correct_pin_reads_non_bmp_names_exactly(stack, residents, resident_id):
    identity = CardIdentity.from_resident(next(r for r in residents if r["id"] == resident_id))
    card = stack.insert_card(*identity_options(identity), "--pin", PIN)
    trace: list[str] = []
    assert read_card(PIN, DEADLINE_S, trace=trace) == identity.expected()
    assert card.verifies_with_pin() == 1
    assert len(trace) <= 12


def test_long_address_with_long_form_lengths(stack):
    identity = CardIdentity(address=LONG_ADDRESS)
    stack.insert_card(*identity_options(identity), "--pin", PIN)
    four = read_card(PIN, DEADLINE_S, reader=READER)
    assert four.address == LONG_ADDRESS and len(LONG_ADDRESS.encode()) > 255


def test_twenty_ms_per_apdu_still_prefills_within_the_target(stack):
    stack.insert_card("--pin", PIN, "--delay-ms", "20")
    trace: list[str] = []
    started = time.monotonic()
    read_card(PIN, DEADLINE_S, reader=READER, trace=trace)
    elapsed = time.monotonic() - started
    assert len(trace) <= 12
    assert elapsed < 0.4 + 0.3, f"{elapsed:.3f} s for {len(trace)} APDUs"  # 0.3 s: connect


def test_a_card_slower_than_the_deadline_times_out(stack):
    stack.insert_card("--pin", PIN, "--delay-ms", "1500")
    started = time.monotonic()
    with pytest.raises(CardTimeout):
        read_card(PIN, 0.8, reader=READER)
    assert time.monotonic() - started < 1.5


# -- the PIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tries", "left"), [("3", 2), ("2", 1)])
def test_wrong_pin_reports_tries_left_and_is_sent_once(stack, tries, left):
    card = stack.insert_card("--pin", PIN, "--tries", tries)
    with pytest.raises(WrongPin) as wrong:
        read_card(WRONG, DEADLINE_S, reader=READER)
    assert wrong.value.tries_left == left
    assert card.verifies_with_pin() == 1


def test_the_locking_pin_then_the_right_pin_stays_locked(stack):
    card = stack.insert_card("--pin", PIN, "--tries", "1")
    with pytest.raises(PinLocked):
        read_card(WRONG, DEADLINE_S, reader=READER)
    with pytest.raises(PinLocked):
        read_card(PIN, DEADLINE_S, reader=READER)
    assert card.verifies_with_pin() == 1  # the right PIN was never sent to a locked card


def test_an_already_locked_card_is_locked_without_sending_the_pin(stack):
    card = stack.insert_card("--pin", PIN, "--locked")
    with pytest.raises(PinLocked):
        read_card(PIN, DEADLINE_S, reader=READER)
    assert card.verifies_with_pin() == 0
    assert any(line.endswith("69 84") for line in card.journal_lines())


# -- cards and readers coming and going ---------------------------------------------------------


def test_card_removed_before_verify_restarts_the_session_cleanly(stack, supervisor):
    watcher, events = supervisor
    card = stack.insert_card("--pin", PIN)
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)
    session = CardSession(ConnectedCard(PcscTransport(READER)))
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    card.remove()
    assert watcher.wait_for(no_card, EVENT_TIMEOUT_S)
    assert (CardEvent.CARD_REMOVED, READER) in events
    page = session.card_removed()
    assert page.step is CardStep.WAITING_FOR_CARD and page.notice_key == "card_removed_restart"
    card.insert()
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    assert session.submit_pin(PIN).step is CardStep.TAKE_CARD
    assert card.verifies_with_pin() == 1


def test_card_removed_during_verify_then_reinserted_reads(stack):
    card = stack.insert_card(
        "--pin", PIN, "--fault", "remove-during-verify", "--reinsert-ms", REINSERT_MS
    )
    with pytest.raises(CardRemoved):
        read_card(PIN, DEADLINE_S, reader=READER)
    # pcscd notices the removal at its next presence poll; only then can "back" be seen.
    wait_until(lambda: not stack.card_present(), EVENT_TIMEOUT_S, "pcscd to see it gone")
    wait_until(stack.card_present, EVENT_TIMEOUT_S, "the card back")
    assert read_card(PIN, DEADLINE_S, reader=READER) == CardIdentity().expected()
    assert card.verifies_with_pin() == 2  # one lost with the card, one after re-insertion


def test_card_removed_during_read_restarts_the_session_from_the_top(stack, supervisor):
    watcher, _events = supervisor
    card = stack.insert_card(
        "--pin", PIN, "--fault", "remove-during-read", "--reinsert-ms", REINSERT_MS
    )
    session = CardSession(ConnectedCard(PcscTransport(READER)))
    session.card_inserted()
    page = session.submit_pin(PIN)
    assert page.step is CardStep.WAITING_FOR_CARD and page.notice_key == "card_removed_restart"
    assert session.prefill is None
    assert watcher.wait_for(no_card, EVENT_TIMEOUT_S)  # the supervisor sees it go …
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)  # … and come back
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    assert session.submit_pin(PIN).step is CardStep.TAKE_CARD
    assert session.prefill.name == CardIdentity().name
    card.remove()
    assert watcher.wait_for(no_card, EVENT_TIMEOUT_S)
    assert session.card_removed().step is CardStep.DONE


def test_unknown_card_offers_qr_or_manual_entry(stack):
    stack.insert_card("--fault", "unknown-card")
    with pytest.raises(UnknownCard):
        read_card(PIN, DEADLINE_S, reader=READER)
    page = CardSession(ConnectedCard(PcscTransport(READER))).card_inserted()
    assert page.step is CardStep.UNKNOWN_CARD and page.offer_alternatives


def test_reader_absent_at_start_then_plugged_in(stack, supervisor):
    watcher, events = supervisor
    stack.stop_pcscd()
    stack.start_pcscd(with_reader=False)
    assert watcher.wait_for(lambda s: s.service_up and not s.readers, EVENT_TIMEOUT_S)
    with pytest.raises(NoReader):
        read_card(PIN, DEADLINE_S)
    session = CardSession(ConnectedCard(PcscTransport(READER)), reader_present=False)
    assert session.page.step is CardStep.NO_READER and session.page.offer_alternatives
    assert session.card_inserted().step is CardStep.NO_READER
    # The reader "is plugged in": pcscd comes back with the vpcd reader and a card in it.
    stack.stop_pcscd()
    stack.start_pcscd(with_reader=True)
    stack.insert_card("--pin", PIN)
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)
    assert (CardEvent.READER_ADDED, READER) in events
    assert session.reader_changed(True).step is CardStep.WAITING_FOR_CARD
    assert session.card_inserted().step is CardStep.PIN_ENTRY
    assert session.submit_pin(PIN).step is CardStep.TAKE_CARD


def test_no_pcscd_at_all_is_no_reader(stack):
    stack.stop_pcscd()
    with pytest.raises(NoReader):
        read_card(PIN, DEADLINE_S)


def test_the_supervisor_survives_a_pcscd_restart_while_idle(stack, supervisor):
    watcher, events = supervisor
    stack.insert_card("--pin", PIN)
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)
    stack.stop_pcscd()
    assert watcher.wait_for(lambda s: not s.service_up, EVENT_TIMEOUT_S)
    assert (CardEvent.SERVICE_LOST, "") in events
    stack.start_pcscd()
    # The emulator reconnects to the new vpcd by itself: the card is simply there again.
    assert watcher.wait_for(card_in, EVENT_TIMEOUT_S)
    assert watcher.alive
    assert (CardEvent.SERVICE_RESTORED, "") in events
    assert read_card(PIN, DEADLINE_S, reader=READER) == CardIdentity().expected()


# -- what must never leave the card -------------------------------------------------------------


def test_no_pin_or_kojin_bango_in_logs_trace_or_wire_journal(stack, caplog):
    caplog.set_level(logging.DEBUG)
    card = stack.insert_card("--pin", PIN)
    trace: list[str] = []
    with pytest.raises(WrongPin):
        read_card(WRONG, DEADLINE_S, reader=READER, trace=trace)
    access = ConnectedCard(PcscTransport(READER))
    session = CardSession(access)
    session.card_inserted()
    assert session.submit_pin(PIN).step is CardStep.TAKE_CARD
    journal = "\n".join(card.journal_lines())
    for text in (caplog.text, "\n".join(trace), "\n".join(access.trace), journal):
        compact = text.replace(" ", "")
        for secret in (PIN, WRONG, FICTIONAL_KOJIN_BANGO, PIN.encode().hex().upper()):
            assert secret not in compact
    assert "00 20 00 80 04 ** ** ** **" in journal
    assert "00 A4 02 0C 02 00 01" not in journal  # EF 0001 was never even selected


def test_technician_reads_a_test_card_from_the_command_line(stack):
    import json
    import subprocess
    import sys

    stack.insert_card("--name", "𠮷野 髙子", "--birth", "1989-01-07", "--pin", PIN)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "devices", "test", "card", "--pin", PIN, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert items["test_card_only"] is True
    assert items["name"] == "𠮷野 髙子"
    assert items["birth_date_wareki"] == "昭和64年1月7日"
    wrong = subprocess.run(
        [sys.executable, "-m", "kiosk", "devices", "test", "card", "--pin", WRONG],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert wrong.returncode == 1 and "wrong_pin" in wrong.stderr


def test_the_kiosk_card_service_reads_through_pcscd_from_insert_to_removal(stack):
    """kiosk.card_reading as the screen uses it, on the real stack: the resident opens the
    card page, places the card, types the PIN, takes the card; the items come out once."""
    from core.catalog import CardField
    from kiosk.card_reading import CardReading
    from kiosk.card_session import CardStep
    from kiosk.events import CardPageChanged, EventBus, EventKind

    events = EventBus()
    pages: list[CardPageChanged] = []
    events.subscribe(
        lambda e: pages.append(e) if e.kind is EventKind.CARD_PAGE_DID_CHANGE else None
    )
    reading = CardReading("pcsc", events)
    try:
        wait_until(lambda: reading._reader_present(), EVENT_TIMEOUT_S, "the reader")
        reading.start()
        wait_until(
            lambda: pages and pages[-1].step is CardStep.WAITING_FOR_CARD, EVENT_TIMEOUT_S, "page"
        )
        card = stack.insert_card("--name", "𠮷野 髙子", "--pin", PIN)
        wait_until(lambda: pages[-1].step is CardStep.PIN_ENTRY, EVENT_TIMEOUT_S, "the PIN page")
        reading.pin(PIN)
        wait_until(lambda: pages[-1].step is CardStep.TAKE_CARD, EVENT_TIMEOUT_S, "take your card")
        assert reading.take_prefill() is None  # not before the card is taken
        card.remove()
        wait_until(lambda: pages[-1].step is CardStep.DONE, EVENT_TIMEOUT_S, "done")
        answers = reading.take_prefill()
        assert answers[CardField.NAME] == "𠮷野 髙子"
        assert reading.take_prefill() is None  # handed over once
        assert all(PIN not in str(page) for page in pages)
    finally:
        reading.close()
