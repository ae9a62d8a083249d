"""Keeps device statuses fresh and device threads alive.

Every poll it asks the printer for its status (which also reconnects a printer that was
unplugged and plugged back in) and restarts a scanner reader thread that died. A status older
than a few polls is reported as stale rather than trusted: a status is never stale unawares.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from devices.device_state import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

POLL_S = 2.0
STATUS_DEADLINE_S = 1.0
STALE_AFTER_POLLS = 3

ChangeHandler = Callable[[str, DeviceStatus], None]


class DeviceSupervisor:
    def __init__(
        self, devices: dict[str, object], on_change: ChangeHandler, poll_s: float = POLL_S
    ):
        self.devices = devices  # role → driver ("printer", "scanner")
        self.on_change = on_change
        self.poll_s = poll_s
        self.restarts = 0
        self._last: dict[str, tuple[str, frozenset]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="device-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.poll_s)  # waits for stop(), or the next poll

    def poll_once(self) -> None:
        for role, device in self.devices.items():
            try:
                status = self._poll(role, device)
            except Exception:  # a driver bug must not end supervision of the others
                log.exception("%s: status poll failed", role)
                continue
            key = (status.state.value, status.conditions)
            if self._last.get(role) != key:
                self._last[role] = key
                log.info("%s: %s %s", role, status.state, ",".join(sorted(status.conditions)))
                self.on_change(role, status)

    def _poll(self, role: str, device) -> DeviceStatus:
        if hasattr(device, "alive") and not device.alive:
            log.warning("%s: reader thread had stopped; restarting it", role)
            self.restarts += 1
            device.start()
        if hasattr(device, "refresh_status") and device.status().state is not DeviceState.BUSY:
            return device.refresh_status(STATUS_DEADLINE_S)
        return device.status()

    def statuses(self) -> dict[str, DeviceStatus]:
        stale_after = self.poll_s * STALE_AFTER_POLLS
        result = {}
        for role, device in self.devices.items():
            status = device.status()
            if status.age_s() > stale_after and status.state is not DeviceState.BUSY:
                status = DeviceStatus(
                    DeviceState.ERROR,
                    frozenset({"stale"}),
                    f"no status for {status.age_s():.0f} s",
                    status.at,
                )
            result[role] = status
        return result
