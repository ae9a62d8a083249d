"""The demo's local backend, started with the kiosk or a while after it, and the queue shown on
the console as it changes: the offline-first promise made visible. Residents finish while the
backend is away, their applications wait in the queue, and the queue drains once it is back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kiosk.events import Event, SyncFinished

Say = Callable[[str], None]


class QueueReporter:
    """Prints one line whenever the number of applications waiting to be sent changes."""

    def __init__(self, say: Say) -> None:
        self._say = say
        self._last: int | None = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, SyncFinished):
            return
        queued, sent = event.queued, event.sent
        if queued == self._last and not sent:
            return
        self._last = queued
        if sent:
            self._say(f"kiosk: queue: {sent} sent to the backend, {queued} waiting")
        elif queued:
            reason = event.error or "backend busy"
            self._say(f"kiosk: queue: {queued} waiting to be sent ({reason})")
        else:
            self._say("kiosk: queue: empty, everything is at the backend")


class DelayedBackend:
    """Starts the local backend now or after `delay_s`, then asks for a sync round at once
    (the sync worker may be in a long backoff after finding no backend)."""

    def __init__(
        self,
        start: Callable[[], Any],
        sync_now: Callable[[], None],
        delay_s: float,
        say: Say,
    ) -> None:
        self._start = start
        self._sync_now = sync_now
        self._delay_s = delay_s
        self._say = say
        self._backend: Any = None
        self._lock = threading.Lock()
        self._stopped = False
        self._timer: threading.Timer | None = None

    def begin(self) -> None:
        if self._delay_s <= 0:
            self._start_now()
            return
        self._say(
            f"kiosk: the local backend starts in {self._delay_s:g} s; "
            "until then applications wait in the queue"
        )
        self._timer = threading.Timer(self._delay_s, self._start_now)
        self._timer.daemon = True
        self._timer.start()

    def _start_now(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._backend = self._start()
        if self._backend is not None:
            self._sync_now()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._stopped = True
            backend, self._backend = self._backend, None
        if backend is not None:
            backend.stop()
