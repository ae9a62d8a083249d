"""How often the technician PIN may be tried: a few free tries, then a growing wait.

The first FREE_TRIES wrong PINs in a row cost nothing (a technician mistypes); each one after
that locks PIN entry for FIRST_LOCK_S, doubling every time, up to MAX_LOCK_S. A right PIN
starts the count again. The count and the end of the lock are kept in a small JSON file in
the kiosk's data folder, written atomically, so switching the kiosk off and on does not give
a guesser fresh tries. The wall clock is used (a monotonic clock restarts with the machine);
a lock that ends further away than MAX_LOCK_S (the clock was set back) is cut to MAX_LOCK_S.

Nothing typed is kept or logged: only how many tries failed and until when entry is locked.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FREE_TRIES = 5
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 15 * 60.0
FILE_NAME = "technician-pin-lockout.json"
# After a damaged state file: the free tries are used up, so the next wrong PIN locks (a
# guesser who could reset the count by damaging the file must not gain from it), but nothing
# is locked before a wrong PIN (a technician must not be locked out by a damaged disk).
_NO_FREE_TRIES = (FREE_TRIES - 1, 0.0)


@dataclass(frozen=True)
class Attempt:
    """What one try at the PIN came to."""

    allowed: bool  # False: locked; the PIN was not even checked
    wait_s: float = 0.0  # how long PIN entry is locked from now (0: not locked)
    tries_left: int = FREE_TRIES  # wrong PINs still free before the next lock


def lock_after(failures: int) -> float:
    """Seconds PIN entry is locked after `failures` wrong PINs in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_LOCK_S * 2 ** min(failures - FREE_TRIES, 32), MAX_LOCK_S)


class PinLockout:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.failures, self.locked_until = self._load()

    def check(self) -> Attempt:
        """Before checking a PIN: may it be checked now?"""
        wait = self.wait_s()
        if wait > 0:
            log.warning(
                "technician PIN entry tried while locked (%d wrong in a row; %.0f s left)",
                self.failures,
                wait,
            )
            return Attempt(False, wait, 0)
        return Attempt(True, 0.0, max(FREE_TRIES - self.failures, 0))

    def wait_s(self) -> float:
        now = self.clock()
        if self.locked_until - now > MAX_LOCK_S:  # the clock went back: never lock for ever
            self.locked_until = now + MAX_LOCK_S
        return max(self.locked_until - now, 0.0)

    def failed(self) -> Attempt:
        """A wrong PIN: count it, lock when the free tries are used up, keep it on disk."""
        self.failures += 1
        lock = lock_after(self.failures)
        if lock:
            self.locked_until = self.clock() + lock
            log.warning(
                "technician PIN wrong (%d in a row): PIN entry locked for %.0f s",
                self.failures,
                lock,
            )
        else:
            log.warning(
                "technician PIN wrong (%d in a row; %d more before a wait)",
                self.failures,
                FREE_TRIES - self.failures,
            )
        self._save()
        return Attempt(False, lock, max(FREE_TRIES - self.failures, 0))

    def succeeded(self) -> None:
        if self.failures:
            log.info("technician PIN right after %d wrong; the count starts again", self.failures)
        self.failures, self.locked_until = 0, 0.0
        self._save()

    def _load(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            failures, until = int(data["failures"]), float(data["locked_until"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, TypeError, KeyError) as error:
            log.error("technician PIN lockout state unreadable (%s); no free tries left", error)
            return _NO_FREE_TRIES
        if failures < 0 or not math.isfinite(until):
            log.error("technician PIN lockout state implausible; no free tries left")
            return _NO_FREE_TRIES
        return failures, until

    def _save(self) -> None:
        """Atomically (a temporary file, then os.replace); a failure is logged, and the count
        still holds for as long as this process runs."""
        content = json.dumps({"failures": self.failures, "locked_until": self.locked_until})
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".lockout-", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
            temporary = None
        except OSError as error:
            log.error("technician PIN lockout state could not be kept: %s", error)
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
