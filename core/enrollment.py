"""Enrolling a kiosk with a one-time code: the code's form, and the exchange's wire models
(POST {ENROLL_PATH} of core/wire.py), shared by the backend that issues codes and the kiosk
that brings one.

A code is CODE_LENGTH symbols from CODE_ALPHABET, shown as two groups of five for reading
aloud over the phone ("7KQ3M-XW9TC"). The alphabet is Crockford's base 32 without 0 and 1:
no 0/O/Q-style or 1/I/L look-alikes, and no U (read as V). 30 symbols, 10 of them: 30**10 ≈
5.9e14 codes, log2 ≈ 49.1 bits. A code lives at most a day, is used once, and an address
gets five wrong tries before it waits (backend/enroll_api.py), so guessing one is hopeless.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.wire import KIOSK_ID_PATTERN

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
CODE_GROUP = 5
CODE_BITS = CODE_LENGTH * math.log2(len(CODE_ALPHABET))  # ≈ 49.07
# The letters a kiosk may print before its reception numbers (kiosk/config.py kiosk_letter).
KIOSK_LETTERS = "ABCDEFGHJKLMNPRTUVWXY"
# What a technician may type around the symbols: spaces and the group's hyphen.
_SEPARATORS = str.maketrans("", "", " -\u3000\u30fc\uff0d")


class InvalidCode(ValueError):
    """Typed text that cannot be an enrollment code (said before anything is sent)."""


def normalize_code(text: str) -> str:
    """The code as stored and compared: upper case, without spaces or hyphens; InvalidCode
    when it has another length or a symbol no code has (0, 1, O, I, L, U …)."""
    code = text.translate(_SEPARATORS).upper()
    if len(code) != CODE_LENGTH:
        raise InvalidCode(
            f"an enrollment code has {CODE_LENGTH} letters and digits, this has {len(code)}"
        )
    wrong = sorted({symbol for symbol in code if symbol not in CODE_ALPHABET})
    if wrong:
        # Only the symbols that do not belong: never the whole code (it may end up in a log).
        raise InvalidCode(
            "an enrollment code never contains "
            + ", ".join(repr(s) for s in wrong)
            + f" (its symbols are {CODE_ALPHABET})"
        )
    return code


def grouped(code: str) -> str:
    """A normalized code as it is shown and read aloud: 'ABCDE-FGHJK'."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


class EnrollmentRequest(BaseModel):
    """What the kiosk sends: only the code. Its receipt signing key is registered afterwards
    with the token it receives (PUT receipt-key binds a key to the token that sent it)."""

    model_config = ConfigDict(extra="forbid")
    # Loose on purpose: anything that is not a live code gets one and the same refusal.
    code: str = Field(max_length=32)


class EnrollmentReply(BaseModel):
    """Everything a kiosk needs from its backend, in one answer."""

    kiosk_id: str = Field(pattern=KIOSK_ID_PATTERN)
    token: str = Field(min_length=20, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    kiosk_letter: str = Field(pattern=f"^[{KIOSK_LETTERS}]$")
    # The municipality profile's id (its file name in the catalog) and its text, as the
    # catalog bundle serves it (carrying seal_public_key).
    municipality: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
    municipality_profile: str = Field(max_length=1_000_000)
    seal_public_key: str = Field(max_length=4096, description="PEM of the X25519 sealing key")
    seal_key_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="sha256 of the sealing key's 32 raw bytes"
    )
    server_time: datetime


class EnrollmentRefusal(BaseModel):
    """The detail of every refused exchange: a word for scripts, a sentence for people."""

    reason: str
    message: str


# The QR code the console shows with a code: the backend's address and the code in one scan,
# for the setup wizard's QR scanner (the technician then types nothing).
ENROLL_QR_PREFIX = "MADOGUCHI-ENROLL/1"
_URL = re.compile(r"^https?://[A-Za-z0-9.\-:\[\]]+(/[A-Za-z0-9._~\-/]*)?$")


def enrollment_qr(backend_url: str, code: str) -> str:
    """'MADOGUCHI-ENROLL/1 https://backend.example ABCDE-FGHJK'."""
    return f"{ENROLL_QR_PREFIX} {backend_url.rstrip('/')} {grouped(normalize_code(code))}"


def parse_enrollment_qr(text: str) -> tuple[str, str]:
    """(backend URL, normalized code) from an enrollment QR's text; InvalidCode otherwise
    (the reason names the part that is wrong, never the code)."""
    parts = text.strip().split(" ")
    if len(parts) != 3 or parts[0] != ENROLL_QR_PREFIX:
        raise InvalidCode(f"not an enrollment code: it begins {ENROLL_QR_PREFIX} URL CODE")
    if not _URL.match(parts[1]):
        raise InvalidCode("the enrollment code's backend address is not an http(s) URL")
    return parts[1], normalize_code(parts[2])
