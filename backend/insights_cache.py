"""The usage figures of a span, kept between requests until new usage events arrive.

Counting a year of a busy municipality's events (a million rows) takes a few hundred
milliseconds however the database is indexed, and the supervisors' page asks for the same
span again and again while the events change only when a kiosk sends a batch. So figures
are kept per span and dropped when this process stores new events (backend/usage_api.py
calls changed()); other writers (another worker process, the CLI) are caught up with after
MAX_AGE_S at the latest. A handful of spans are kept: each is a few hundred kilobytes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_AGE_S = 60.0  # what another process stored shows within a minute
MAX_SPANS = 8


class FiguresCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._generation = 0  # raised by changed(): figures counted before are dropped

    def changed(self) -> None:
        """New events were stored: every span is counted again when next asked for."""
        with self._lock:
            self._generation += 1
            self._kept.clear()

    def get(self, key: Hashable, count: Callable[[], Any]) -> Any:
        """The figures for key, counted now unless kept from a count since the last change.
        Callers must not change what they get: the next request is given the same object."""
        now = self._clock()
        with self._lock:
            kept = self._kept.get(key)
            generation = self._generation
            if kept is not None and kept[1] == generation and now - kept[0] < MAX_AGE_S:
                self._kept.move_to_end(key)
                return kept[2]
        found = count()  # outside the lock: another span may be counted meanwhile
        with self._lock:
            if self._generation == generation:  # nothing arrived while counting
                self._kept[key] = (now, generation, found)
                self._kept.move_to_end(key)
                while len(self._kept) > MAX_SPANS:
                    self._kept.popitem(last=False)
        return found
