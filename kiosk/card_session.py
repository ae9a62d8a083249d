"""The resident's way through the My Number Card, as a Qt-free state machine.

place card → tries left (before asking for the PIN) → PIN → VERIFY → read → pre-fill →
"カードをお取りください" until the card is removed. Unknown card, no reader and a locked PIN
offer the QR code or manual entry, so the resident is never stuck. A screen renders `page` and
hands back the resident's input; the card is reached through the CardAccess interface, so the
tests drive the whole flow with a scripted fake transport.

Calls that talk to the card block (each within its deadline): run them off the GUI thread. The
session holds a PIN only for the length of submit_pin and never logs it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from core.catalog import CardField
from core.wareki import FIRST_SUPPORTED, format_seireki, to_wareki
from devices.card_transport import Transport, TransportError
from devices.mynumber import (
    CURRENT_PROFILE,
    ApduChannel,
    BasicFour,
    CardFailure,
    CardProfile,
    CardReadError,
    Deadline,
    MyNumberCardReader,
    NoReader,
    PinLocked,
    Sex,
    WrongPin,
    card_error_for,
)

log = logging.getLogger(__name__)

PIN_DIGITS = 4
CHECK_DEADLINE_S = 5.0  # connect, SELECT and the tries-left query
READ_DEADLINE_S = 8.0  # VERIFY and the chunked read of the basic four items


class CardAccess(Protocol):
    """The card as the session needs it; each call within its deadline, typed failures."""

    def open(self, deadline_s: float) -> None: ...

    def tries_left(self, deadline_s: float) -> int: ...

    def verify_and_read(self, pin: str, deadline_s: float) -> BasicFour: ...

    def close(self) -> None: ...


class ConnectedCard:
    """CardAccess over any Transport (pyscard in the kiosk, a scripted fake in tests)."""

    def __init__(self, transport: Transport, profile: CardProfile = CURRENT_PROFILE) -> None:
        self.transport = transport
        self.trace: list[str] = []  # masked APDUs, no response data: safe for the journal
        self._reader = MyNumberCardReader(ApduChannel(transport, trace=self.trace), profile)

    def open(self, deadline_s: float) -> None:
        try:
            self.transport.connect(deadline_s)
        except TransportError as error:
            raise card_error_for(error) from None

    def tries_left(self, deadline_s: float) -> int:
        return self._reader.tries_left(Deadline(deadline_s))

    def verify_and_read(self, pin: str, deadline_s: float) -> BasicFour:
        return self._reader.verify_and_read(pin, Deadline(deadline_s))

    def close(self) -> None:
        self.transport.disconnect()


class CardStep(StrEnum):
    NO_READER = "no_reader"  # offer QR / manual entry
    WAITING_FOR_CARD = "waiting_for_card"
    CHECKING = "checking"
    PIN_ENTRY = "pin_entry"
    READING = "reading"
    TAKE_CARD = "take_card"  # read done: "カードをお取りください" until removed
    DONE = "done"  # card removed, pre-fill handed over
    LOCKED = "locked"  # go to the counter; offer QR / manual entry meanwhile
    UNKNOWN_CARD = "unknown_card"  # offer QR / manual entry
    READ_FAILED = "read_failed"  # timeout or unexpected answer; offer another try or QR


class PinWarning(StrEnum):
    NONE = "none"
    FEW_LEFT = "few_left"  # fewer than the full count: "あと2回"
    LAST_TRY = "last_try"  # one left: a wrong PIN now locks the card


# The message key each step shows (texts in assets/i18n/ui.toml, in every kiosk language).
_STEP_MESSAGES = {
    CardStep.NO_READER: "card_no_reader",
    CardStep.WAITING_FOR_CARD: "card_place",
    CardStep.CHECKING: "card_checking",
    CardStep.PIN_ENTRY: "card_pin",
    CardStep.READING: "card_reading",
    CardStep.TAKE_CARD: "card_take",
    CardStep.DONE: "card_done",
    CardStep.LOCKED: "card_locked",
    CardStep.UNKNOWN_CARD: "card_unknown",
    CardStep.READ_FAILED: "card_read_failed",
}
_OFFER_ALTERNATIVES = {
    CardStep.NO_READER,
    CardStep.LOCKED,
    CardStep.UNKNOWN_CARD,
    CardStep.READ_FAILED,
}
_WARNING_MESSAGES = {
    PinWarning.FEW_LEFT: "card_pin_tries_left",
    PinWarning.LAST_TRY: "card_pin_last_try",
}


@dataclass(frozen=True)
class CardPage:
    """What the screen shows: a step, its message, and what the resident may do."""

    step: CardStep
    message_key: str
    tries_left: int | None = None
    warning: PinWarning = PinWarning.NONE
    warning_key: str | None = None
    notice_key: str | None = None  # why we are back here (wrong PIN, card moved …)
    offer_alternatives: bool = False  # QR code or manual entry

    @property
    def values(self) -> dict[str, object]:
        return {"tries": self.tries_left} if self.tries_left is not None else {}


@dataclass(frozen=True, repr=False)
class CardPrefill:
    """The basic four items ready for the catalog. Personal data: repr shows nothing."""

    name: str
    address: str
    birth_date: date
    birth_date_wareki: str  # 昭和64年1月7日; the 西暦 form when before 明治6年
    birth_date_seireki: str  # 1989年1月7日
    sex: Sex

    @classmethod
    def from_card(cls, four: BasicFour) -> CardPrefill:
        birth = four.birth_date
        wareki = to_wareki(birth) if birth >= FIRST_SUPPORTED else format_seireki(birth)
        return cls(four.name, four.address, birth, wareki, format_seireki(birth), four.sex)

    def card_answers(self) -> dict[CardField, Any]:
        """For FlowSession(card=…): the sex only when the card states male or female."""
        answers: dict[CardField, Any] = {
            CardField.NAME: self.name,
            CardField.ADDRESS: self.address,
            CardField.BIRTH_DATE: self.birth_date,
        }
        choice = {Sex.MALE: "male", Sex.FEMALE: "female"}.get(self.sex)
        if choice is not None:
            answers[CardField.SEX] = choice
        return answers

    def __repr__(self) -> str:
        return "CardPrefill(<personal data>)"


def pin_warning(tries_left: int, max_tries: int) -> PinWarning:
    if tries_left <= 1:
        return PinWarning.LAST_TRY
    if tries_left < max_tries:
        return PinWarning.FEW_LEFT
    return PinWarning.NONE


class CardSession:
    """One resident's card reading. Events come from the supervisor and from the PIN pad."""

    def __init__(
        self,
        card: CardAccess,
        *,
        reader_present: bool = True,
        max_tries: int = CURRENT_PROFILE.max_pin_tries,
        check_deadline_s: float = CHECK_DEADLINE_S,
        read_deadline_s: float = READ_DEADLINE_S,
    ) -> None:
        self._card = card
        self._max_tries = max_tries
        self._check_deadline_s = check_deadline_s
        self._read_deadline_s = read_deadline_s
        # Card events (supervisor thread) and PIN entry (worker thread) must not interleave.
        self._lock = threading.RLock()
        self.prefill: CardPrefill | None = None
        self.page = CardPage(CardStep.WAITING_FOR_CARD, _STEP_MESSAGES[CardStep.WAITING_FOR_CARD])
        if not reader_present:
            self._go(CardStep.NO_READER)

    @property
    def step(self) -> CardStep:
        return self.page.step

    # -- events --------------------------------------------------------------------------------

    def reader_changed(self, present: bool) -> CardPage:
        with self._lock:
            if not present:
                self._card.close()
                return self._go(CardStep.NO_READER)
            if self.step is CardStep.NO_READER:
                return self._go(CardStep.WAITING_FOR_CARD)
            return self.page

    def card_inserted(self) -> CardPage:
        """Connect and ask the tries left before the resident is asked for anything."""
        with self._lock:
            if self.step not in (CardStep.WAITING_FOR_CARD, CardStep.NO_READER):
                return self.page  # already busy with a card, or finished
            self._go(CardStep.CHECKING)
            try:
                self._card.open(self._check_deadline_s)
                tries = self._card.tries_left(self._check_deadline_s)
            except CardReadError as error:
                return self._failed(error)
            if tries <= 0:
                return self._go(CardStep.LOCKED)
            return self._ask_pin(tries)

    def submit_pin(self, pin: str) -> CardPage:
        """VERIFY once with the PIN and read; a wrong PIN returns to the pad, never retried."""
        with self._lock:
            if self.step is not CardStep.PIN_ENTRY:
                return self.page
            if len(pin) != PIN_DIGITS or not (pin.isascii() and pin.isdigit()):
                return self._ask_pin(self.page.tries_left, notice="card_pin_format")
            self._go(CardStep.READING)
            try:
                four = self._card.verify_and_read(pin, self._read_deadline_s)
            except WrongPin as wrong:
                if wrong.tries_left <= 0:
                    return self._go(CardStep.LOCKED)
                return self._ask_pin(wrong.tries_left, notice="card_wrong_pin")
            except CardReadError as error:
                return self._failed(error)
            self.prefill = CardPrefill.from_card(four)
            return self._go(CardStep.TAKE_CARD)

    def card_removed(self) -> CardPage:
        """Taken out: the end when the read is done, otherwise a clean restart from the top."""
        with self._lock:
            self._card.close()
            if self.step is CardStep.TAKE_CARD:
                return self._go(CardStep.DONE)
            if self.step in (CardStep.CHECKING, CardStep.PIN_ENTRY, CardStep.READING):
                return self._go(CardStep.WAITING_FOR_CARD, notice="card_removed_restart")
            if self.step in (CardStep.LOCKED, CardStep.UNKNOWN_CARD, CardStep.READ_FAILED):
                # The alternatives stay on offer; a new card may be placed meanwhile.
                return self._go(CardStep.WAITING_FOR_CARD, notice=self.page.notice_key)
            return self.page

    def cancel(self) -> CardPage:
        """The resident leaves the card path (QR, manual entry, back, idle wipe)."""
        with self._lock:
            self._card.close()
            self.prefill = None
            return self._go(CardStep.WAITING_FOR_CARD)

    # -- transitions ---------------------------------------------------------------------------

    def _ask_pin(self, tries: int | None, notice: str | None = None) -> CardPage:
        tries = self._max_tries if tries is None else tries
        warning = pin_warning(tries, self._max_tries)
        return self._go(
            CardStep.PIN_ENTRY,
            tries_left=tries,
            warning=warning,
            warning_key=_WARNING_MESSAGES.get(warning),
            notice=notice,
        )

    def _failed(self, error: CardReadError) -> CardPage:
        log.info("card session: %s", error.failure)
        self._card.close()
        if isinstance(error, PinLocked):
            return self._go(CardStep.LOCKED)
        if isinstance(error, NoReader):
            return self._go(CardStep.NO_READER)
        if error.failure in (CardFailure.CARD_REMOVED, CardFailure.NO_CARD):
            return self._go(CardStep.WAITING_FOR_CARD, notice="card_removed_restart")
        if error.failure is CardFailure.UNKNOWN_CARD:
            return self._go(CardStep.UNKNOWN_CARD)
        return self._go(CardStep.READ_FAILED)

    def _go(
        self,
        step: CardStep,
        *,
        tries_left: int | None = None,
        warning: PinWarning = PinWarning.NONE,
        warning_key: str | None = None,
        notice: str | None = None,
    ) -> CardPage:
        self.page = CardPage(
            step,
            _STEP_MESSAGES[step],
            tries_left,
            warning,
            warning_key,
            notice,
            step in _OFFER_ALTERNATIVES,
        )
        # States and counts only: never a PIN, never an item of the card.
        log.info("card session: %s tries_left=%s notice=%s", step, tries_left, notice)
        return self.page
