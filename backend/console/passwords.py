"""Staff passwords: a slow salted hash (scrypt, from the standard library) and its check.

Stored as `scrypt$N$r$p$salt$hash` (salt and hash in base64), so a later change of the cost
parameters still verifies every older hash. N = 2^15, r = 8 takes 32 MiB and about a tenth of
a second per check: nothing for a clerk logging in, ruinous for anyone guessing a stolen
database copy. The login form is rate-limited per address besides (backend/console/login.py).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import threading

MIN_LENGTH = 10
# Far beyond any passphrase; bounds the work one login form can ask of scrypt's first pass.
MAX_LENGTH = 1024

SCHEME = "scrypt"
COST_N = 2**15
BLOCK_R = 8
PARALLEL_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# A stored hash is data: one with absurd parameters must not make a login take all memory.
MAX_COST_N = 2**20
# At most this many hashes are computed at once (the others wait their turn): a burst of login
# attempts on the server's thread pool must not take 32 MiB per thread.
CONCURRENT_HASHES = 4
_hashing = threading.BoundedSemaphore(CONCURRENT_HASHES)


class UnusablePassword(ValueError):
    """A password too short or too long; the message says which, in words for staff."""


def check_password(password: str) -> str:
    """password when it may be used, else UnusablePassword."""
    if len(password) < MIN_LENGTH:
        raise UnusablePassword(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UnusablePassword(f"the password must have at most {MAX_LENGTH} characters")
    return password


def _maxmem(n: int, r: int) -> int:
    return 128 * r * n * 2  # scrypt needs 128·r·N bytes; room for its other buffers


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _hashing:
        return hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            maxmem=_maxmem(n, r),
            dklen=HASH_BYTES,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """The stored form of a password that passed check_password."""
    check_password(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, COST_N, BLOCK_R, PARALLEL_P)
    return f"{SCHEME}${COST_N}${BLOCK_R}${PARALLEL_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether password is the one stored; False for a stored value that is not a hash of
    ours. The final comparison is constant-time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n_, r_, p_ = int(n), int(r), int(p)
        salt_bytes = base64.b64decode(salt, validate=True)
        expected = base64.b64decode(digest, validate=True)
    except ValueError:
        return False
    if scheme != SCHEME or not (1 < n_ <= MAX_COST_N and 0 < r_ <= 32 and 0 < p_ <= 16):
        return False
    if len(password) > MAX_LENGTH:
        return False
    try:
        computed = _scrypt(password, salt_bytes, n_, r_, p_)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(computed, expected)


@functools.cache
def _decoy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def spend_like_a_check(password: str) -> None:
    """As much work as verify_password, for a name that has no account: the answer's timing
    must not tell an unknown name from a wrong password."""
    verify_password(password[:MAX_LENGTH], _decoy())
