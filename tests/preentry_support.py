"""What the phone pre-entry tests share: the backend with its output kept (to look for the
resident's strings in it), a resident's walk through /pre/ in Chromium that checks every page
on the way (axe, width, weight), and reading the QR as a scanner would (zbarimg)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, Response

from core.wire import HEALTH_PATH
from devices.scanner import Scan, decode_frame
from tests.browser import REPO, SERVER_START_S, axe_report, axe_violations, screenshot
from tests.netutil import free_port

MAX_PAGE_BYTES = 50 * 1024
ZBAR_TIMEOUT_S = 20


@dataclass
class LoggedBackend:
    url: str
    data: Path
    log: Path

    def stored_bytes(self) -> bytes:
        """Everything the backend wrote to disk and to its output: database, WAL, logs."""
        found = b""
        for path in sorted(self.data.rglob("*")):
            if path.is_file():
                found += path.read_bytes()
        return found + self.log.read_bytes()


@contextmanager
def logged_backend(data: Path, log: Path) -> Iterator[LoggedBackend]:
    """`kiosk backend serve` as an office runs it (access log on), its output kept in log."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kiosk", "backend", "serve", "--data", str(data)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=dict(os.environ), stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                if process.poll() is not None:
                    pytest.fail(f"the backend exited:\n{log.read_text()[-3000:]}")
                try:
                    if requests.get(url + HEALTH_PATH, timeout=2).status_code < 500:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)  # polling for the server to listen, with the deadline above
            yield LoggedBackend(url, data, log)
        finally:
            process.terminate()
            process.wait(timeout=15)


@dataclass
class PhoneWalk:
    """One resident's walk: every page reached is checked before the next step."""

    page: Page
    pages_seen: int = 0
    documents: list[int] = field(default_factory=list)  # bytes of each page as sent
    stylesheet: int = 0

    def __post_init__(self) -> None:
        self.page.on("response", self._weigh)

    def _weigh(self, response: Response) -> None:
        kind = response.request.resource_type
        page = response.headers.get("content-type", "").startswith("text/html")
        if kind == "document" and response.ok and page:  # not a download (画像を保存)
            self.documents.append(len(response.body()))
        elif kind == "stylesheet" and response.ok:
            self.stylesheet = len(response.body())

    def check(self) -> None:
        """axe (no serious or critical violation), one column (nothing wider than the
        viewport), body text ≥ 18 px, and the page with its stylesheet ≤ 50 KB."""
        self.pages_seen += 1
        violations = axe_violations(self.page)
        assert violations == [], f"{self.page.url}: {axe_report(violations)}"
        widths = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"{self.page.title()}: scrolls sideways {widths}"
        body_px = self.page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_px >= 18
        assert self.documents and self.documents[-1] + self.stylesheet <= MAX_PAGE_BYTES

    def heading(self) -> str:
        return self.page.locator("h1").inner_text()

    def next(self) -> None:
        self.page.click("button[value=next]")
        self.check()

    def text(self, value: str) -> None:
        self.page.fill("#answer", value)
        self.next()

    def choose(self, value: str) -> None:
        self.page.check(f"input[name=answer][value='{value}']")
        self.next()

    def date(self, era: str, year: int, month: int, day: int) -> None:
        self.page.select_option("#date-era", era)
        self.page.fill("#date-year", str(year))
        self.page.fill("#date-month", str(month))
        self.page.fill("#date-day", str(day))
        self.next()

    def postal(self, code: str, town: str) -> None:
        self.page.fill("#code", code)
        self.page.click("button[value=lookup]")
        self.check()
        self.page.get_by_label(town, exact=True).check()
        self.next()


def read_qr(page: Page, folder: Path, name: str) -> Scan:
    """Screenshot the QR element and read it with zbarimg, as the kiosk's scanner would hand
    it on (raw bytes, decoded by the kiosk's own devices.scanner.decode_frame)."""
    shot = folder / f"{name}.png"
    page.locator("#qr svg").screenshot(path=str(shot))
    return zbar_scan(shot)


def save_image(page: Page, folder: Path, name: str) -> Path:
    """Press 画像を保存 (Save as image …) on the QR page as the resident does; the file the
    browser downloads."""
    with page.expect_download() as download:
        page.locator("form.save-code button").click()
    saved = folder / f"{name}-saved.png"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("madoguchi-")
    return saved


def zbar_scan(picture: Path) -> Scan:
    """The code in a picture as a scanner hands it on (zbarimg's raw bytes, decoded by the
    kiosk's own devices.scanner.decode_frame)."""
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(picture)],
        capture_output=True,
        timeout=ZBAR_TIMEOUT_S,
        check=True,
    )
    return decode_frame(decoded.stdout.rstrip(b"\n"))


__all__ = [
    "LoggedBackend",
    "PhoneWalk",
    "logged_backend",
    "read_qr",
    "save_image",
    "screenshot",
    "zbar_scan",
]
