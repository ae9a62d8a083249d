"""Per-client-address rate limits, for everything a caller can reach without a token or session.

A bearer token is 32 random bytes and cannot be guessed, but a staff password, a phone
pre-entry code or an enrollment code can, and even a tokenless endpoint costs the server work.
So every such door counts per client address and answers 429 with Retry-After when an address
goes over its budget:

    LOGIN = RateLimiter(Rate(10, 600), "staff login")       # one limiter per door
    @router.post("/staff/login", dependencies=[Depends(LOGIN.dependency)])
    …or, to count only failures:  LOGIN.blocked(key) before checking, LOGIN.hit(key) after a miss

A limiter is a token bucket per key: `count` requests at once, refilled evenly over `per_s`
seconds, so a steady caller gets count/per_s per second and a burst never more than count.
Counts live in this process's memory: with several backend processes each keeps its own (the
limit per address is then that many times higher; docs/BACKEND.md says how a reverse proxy can
hold one limit for all). The table is bounded (max_keys, least recently seen forgotten first),
so a caller with very many addresses costs memory once, not without end; IPv6 addresses count
per /64, the block one subscriber usually gets.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    """count requests per per_s seconds (and a burst of at most count)."""

    count: int
    per_s: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_s <= 0:
            raise ValueError("a rate needs count >= 1 and per_s > 0")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0  # whole seconds until the next request would be allowed


def client_key(client: tuple[str, int] | list | None) -> str:
    """The key of a client address (an ASGI scope's "client"): IPv4 as is, IPv6 per /64.

    Behind a reverse proxy this is the address uvicorn took from X-Forwarded-For, which it
    trusts only from --forwarded-allow-ips (docs/BACKEND.md)."""
    if not client:
        return "unknown"  # a Unix socket: every caller shares one budget
    host = str(client[0])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 address
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class RateLimiter:
    """A token bucket per key; thread-safe (endpoints run on a thread pool, middleware on the
    event loop) and cheap: a dict lookup and a little arithmetic under a lock."""

    def __init__(
        self,
        rate: Rate,
        name: str = "requests",
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.name = name
        self.max_keys = max_keys
        self.clock = clock
        self._refill_per_s = rate.count / rate.per_s
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → tokens, at

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.rate.count), now))
        return min(float(self.rate.count), tokens + (now - at) * self._refill_per_s)

    def _retry_after(self, tokens: float) -> int:
        return max(1, math.ceil((1.0 - tokens) / self._refill_per_s))

    def hit(self, key: str) -> Decision:
        """Count one request of key; refused (and not counted) when its budget is spent."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return Decision(True) if allowed else Decision(False, self._retry_after(tokens))

    def blocked(self, key: str) -> Decision:
        """Whether key's budget is spent, without counting: for limits on failures only, which
        are checked before the attempt (so a spent budget is never even tried) and hit after."""
        with self._lock:
            tokens = self._tokens(key, self.clock())
            if tokens >= 1.0:
                return Decision(True)
            return Decision(False, self._retry_after(tokens))

    def __len__(self) -> int:
        """How many keys are counted now (at most max_keys)."""
        return len(self._buckets)

    def dependency(self, request: Request) -> None:
        """A FastAPI dependency counting each request to a route by its client address."""
        decision = self.hit(client_key(request.scope.get("client")))
        if not decision.allowed:
            raise too_many(decision, self.name)


def too_many(decision: Decision, what: str) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"too many {what} from this address; try again in {decision.retry_after_s} s",
        headers={"Retry-After": str(decision.retry_after_s)},
    )
