"""Technician mode: who may leave the kiosk screen, change its mode or reprint a receipt.

The technician's PIN is kept only as a salted scrypt hash in kiosk.toml
(`technician_pin_hash`, made by `kiosk technician pin`). Without one, nobody can leave the
locked screen by touch; the operating system can still stop the kiosk (SIGTERM).
The way in is a gesture residents do not make by accident: five taps in the top-left corner
within a few seconds. TechnicianDesk decides what the menu shows; the overlay only renders it.
Wrong PINs are limited (kiosk/pin_lockout.py): after a few, entry is locked for a growing
while, and the overlay says in plain words how long.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.pin_lockout import FILE_NAME, Attempt, PinLockout

if TYPE_CHECKING:
    from kiosk.services import Services

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PIN_DIGITS = 6  # longer than the resident's card PIN, so the two are never confused
CORNER_PX = 120
TAPS = 5
TAP_WINDOW_S = 4.0


class TechnicianPinError(ValueError):
    pass


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    if len(pin) < MIN_PIN_DIGITS or not (pin.isascii() and pin.isdigit()):
        raise TechnicianPinError(f"the technician PIN is at least {MIN_PIN_DIGITS} digits")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    parts = ("scrypt", SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encoded = (base64.urlsafe_b64encode(value).decode() for value in (salt, digest))
    return "$".join([*map(str, parts), *encoded])


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class CornerTaps:
    """Counts taps in the top-left corner; True when the fifth lands within the window."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._taps: list[float] = []

    def tap(self, x: int, y: int) -> bool:
        if x > CORNER_PX or y > CORNER_PX:
            self._taps.clear()  # a tap elsewhere breaks the sequence
            return False
        now = self._now()
        self._taps = [at for at in self._taps if now - at <= TAP_WINDOW_S] + [now]
        if len(self._taps) >= TAPS:
            self._taps.clear()
            return True
        return False


@dataclass(frozen=True)
class TechnicianMenu:
    """What the technician's menu shows (no personal data: numbers, ids and reasons)."""

    practice: bool
    devices: str  # "printer: ready  scanner: ready (not_connected)"
    quarantine: tuple[str, ...]  # one line per application the backend refused
    problem: str | None = None  # why residents are told to call staff, if they are


WRONG_PIN = "暗証番号が違います / Wrong PIN"
NOTHING_TO_REPRINT = "再印刷できる受付票がありません / No receipt to reprint"
WARN_TRIES_LEFT = 2  # from here on, a wrong PIN also says how many tries are left


def _wait_words(seconds: float) -> tuple[str, str]:
    """A wait in plain words, rounded up: ("30秒", "30 seconds"), ("2分", "2 minutes")."""
    if seconds < 60:
        whole = max(math.ceil(seconds), 1)
        return f"{whole}秒", f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes}分", f"{minutes} minute{'s' if minutes != 1 else ''}"


def refusal_words(attempt: Attempt) -> str:
    """What the PIN page says after a refused try (staff text: Japanese and English)."""
    if attempt.wait_s > 0:
        ja, en = _wait_words(attempt.wait_s)
        return (
            f"暗証番号を続けて間違えたため、入力を止めています。{ja}後にもう一度入力してください"
            f" / Too many wrong PINs. Please wait {en}, then try again."
        )
    if attempt.tries_left <= WARN_TRIES_LEFT:
        return (
            f"暗証番号が違います。あと{attempt.tries_left}回間違えると、しばらく入力できません"
            f" / Wrong PIN. {attempt.tries_left} more wrong and entry is locked for a while."
        )
    return WRONG_PIN


class TechnicianDesk:
    """Technician mode's decisions, Qt-free: the overlay shows what these return."""

    def __init__(self, services: Services, lockout: PinLockout | None = None) -> None:
        self.services = services
        self.lockout = lockout or PinLockout(services.paths.data_dir / FILE_NAME)
        self.refusal = WRONG_PIN  # what to show after enter() returned None

    def enter(self, pin: str) -> TechnicianMenu | None:
        """The menu for the right PIN; None for a wrong one, while PIN entry is locked, or
        when no PIN is configured. After None, `refusal` holds the words to show."""
        stored = self.services.settings.technician_pin_hash
        if not stored:  # nobody can get in, so there is nothing to guess or to count
            self.refusal = WRONG_PIN
            return None
        attempt = self.lockout.check()
        if not attempt.allowed:  # locked: the PIN is not even checked
            self.refusal = refusal_words(attempt)
            return None
        if not verify_pin(pin, stored):
            self.refusal = refusal_words(self.lockout.failed())
            return None
        self.lockout.succeeded()
        log.info("technician mode entered")
        return self.menu()

    def locked_words(self) -> str | None:
        """While PIN entry is locked, what the PIN page should say on opening; else None."""
        wait = self.lockout.wait_s()
        return refusal_words(Attempt(False, wait, 0)) if wait > 0 else None

    def menu(self) -> TechnicianMenu:
        statuses = self.services.device_statuses()
        devices = "  ".join(
            f"{role}: {status.state.value}"
            + (f" ({', '.join(sorted(status.conditions))})" if status.conditions else "")
            for role, status in statuses.items()
        )
        return TechnicianMenu(
            self.services.practice, devices, self.quarantine(), self.services.seal_key_problem
        )

    def quarantine(self) -> tuple[str, ...]:
        return tuple(
            f"{item.reception_number} {item.procedure_id}: {item.reason}"
            for item in self.services.quarantined()
        )

    def toggle_practice(self) -> TechnicianMenu:
        self.services.set_practice(not self.services.practice)
        return self.menu()

    def requeue(self) -> tuple[str, ...]:
        self.services.requeue()
        return self.quarantine()

    def reprint(self) -> str | None:
        """None when the last receipt is printing again, else the problem to show."""
        return NOTHING_TO_REPRINT if self.services.reprint() is None else None

    def sync_now(self) -> None:
        self.services.sync_now()
