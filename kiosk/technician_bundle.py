"""The support bundle from technician mode: which folders it can go to, and writing it off the
GUI thread with a deadline, the outcome in plain words.

The bundle itself (what is in it, what never is) is kiosk.support_bundle's: bundle_folders()
lists writable folders the operating system mounted under /media and /run/media (a USB stick;
the kiosk needs no mount rights) and write_bundle(folder, services) writes the zip there.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.services import Services

log = logging.getLogger(__name__)

BUNDLE_DEADLINE_S = 120.0  # logs, doctor and the store's counts: seconds; a slow stick more
NOT_AVAILABLE = (
    "この版ではサポート情報を書き出せません / This version cannot write a support bundle"
)
NO_FOLDER = (
    "書き出し先がありません。USBメモリを差してください"
    " / No folder to write to: please plug in a USB stick"
)


def _module():
    try:
        return importlib.import_module("kiosk.support_bundle")
    except ImportError:
        return None


class BundleJob:
    """At most one bundle at a time, on its own worker thread; poll() from the GUI's timer."""

    def __init__(
        self,
        services: Services,
        deadline_s: float = BUNDLE_DEADLINE_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.services = services
        self.deadline_s = deadline_s
        self._now = now
        self._worker: ThreadPoolExecutor | None = None
        self._future: Future[Path] | None = None
        self._started = 0.0
        # Tests and demos point this at a folder of their own.
        self.list_folders: Callable[[], list[Path]] | None = None

    def folders(self) -> list[Path]:
        """Where a bundle can be written now (USB sticks the system mounted)."""
        if self.list_folders is not None:
            return self.list_folders()
        module = _module()
        if module is None:
            return []
        try:
            return list(module.bundle_folders())
        except OSError as error:
            log.warning("support bundle: listing folders failed: %s", error)
            return []

    @property
    def available(self) -> bool:
        return _module() is not None

    @property
    def running(self) -> bool:
        return self._future is not None

    def start(self, folder: Path) -> str:
        """Start writing to folder; returns what to show meanwhile."""
        module = _module()
        if module is None:
            return NOT_AVAILABLE
        if self._future is not None:
            return "書き出し中です / Already writing"
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="support-bundle")
        self._started = self._now()
        self._future = self._worker.submit(module.write_bundle, folder, self.services)
        return f"書き出し中… / Writing to {folder} …"

    def poll(self) -> str | None:
        """None while the bundle is being written; then what happened, in plain words."""
        future = self._future
        if future is None:
            return None
        if not future.done():
            if self._now() - self._started <= self.deadline_s:
                return None
            # The thread cannot be killed; it is left to finish or fail on its own.
            self._future = None
            log.error("support bundle: not written within %.0f s", self.deadline_s)
            return (
                f"{self.deadline_s:.0f}秒以内に書き出せませんでした。USBメモリを確かめてください"
                f" / Not written within {self.deadline_s:.0f} s: please check the USB stick"
            )
        self._future = None
        try:
            path = future.result()
        except Exception as error:  # the bundle's own plain-words error, or an OS error
            log.error("support bundle not written: %s", error)
            return f"書き出せませんでした / Not written: {error}"
        log.info("support bundle written to %s", path)
        return f"書き出しました / Written: {path}"

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None
