"""How long the kiosk waits before asking an unwell backend again.

Exponential backoff with FULL jitter: the delay is drawn uniformly from 0 up to the capped
exponential. A hundred kiosks that lost the backend at the same moment then come back spread
out instead of in one wave. The server's Retry-After is honoured as a minimum.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

BASE_S = 2.0
CAP_S = 300.0
MAX_RETRY_AFTER_S = 86_400.0


@dataclass
class BackoffPolicy:
    base_s: float = BASE_S
    cap_s: float = CAP_S
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, failures: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after `failures` consecutive failed requests (1 for the first)."""
        exponent = min(max(failures - 1, 0), 32)  # 2**32 * base is far past any cap
        delay = self.rng.uniform(0, min(self.cap_s, self.base_s * 2**exponent))
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return delay


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date; None if absent
    or unreadable (then the policy alone decides)."""
    if not value:
        return None
    value = value.strip()
    # ASCII only: str.isdigit() also accepts '²', which float() refuses. A day is plenty;
    # a longer wait is the backend's mistake, not an order.
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)
