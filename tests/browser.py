"""Browser tests in real Chromium: Debian's chromium (scripts/install-system-packages) driven by
Playwright for Python, with axe-core for accessibility. Nothing is downloaded at test time:
Playwright never fetches a browser here, and axe-core's script ships in the
axe-playwright-python wheel.

The three fixtures (`page`, `chromium`, `console_errors`) are registered once, in
tests/conftest.py: imported into two test modules, a session-scoped fixture would be two
fixtures, and a second Playwright cannot start beside the first. A test module imports only
the helpers:

    from tests.browser import axe_report, axe_violations, served_backend

    def test_the_queue(page, tmp_path):
        with served_backend(tmp_path / "backend") as url:
            page.goto(url + "/staff/")
            assert axe_violations(page) == [], axe_report(axe_violations(page))

What every page gets:
- only loopback: a request to any host but 127.0.0.1, localhost or [::1] is aborted by a route
  and recorded, and Chromium itself resolves no other host name (--host-resolver-rules);
- a console_errors collector: an uncaught JavaScript error, a console.error message (which is
  also how Chromium reports a failed subresource, e.g. a 404 script) or a blocked request fails
  the test when it ends (console_errors.check() fails it at once; console_errors.take() returns
  and clears what a test provoked on purpose);
- deadlines: every Playwright action, navigation and expect() waits at most TIMEOUT_MS, and
  so do the helpers here that wait inside the page (axe_violations, screenshot).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from core.wire import HEALTH_PATH
from tests.netutil import free_port

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 10_000
LAUNCH_TIMEOUT_MS = 30_000
SERVER_START_S = 20.0
VIEWPORT = {"width": 1366, "height": 768}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

# As root Chromium needs --no-sandbox; the background-networking flags keep it from calling
# Google's services, which this machine's closed network refuses (and which a test must not
# depend on anyway). host-resolver-rules: no host name but loopback resolves, in any context.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]

# axe-core as shipped in the axe-playwright-python wheel (read here, not fetched).
AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def chromium_executable() -> str:
    """Debian's chromium. Missing is a failure, not a skip: CI installs it."""
    found = os.environ.get("MADOGUCHI_CHROMIUM") or shutil.which("chromium")
    if not found and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if not found or not Path(found).exists():
        pytest.fail(
            "chromium is not installed: run scripts/install-system-packages "
            "(Debian's chromium package; Playwright must not download a browser)"
        )
    return found


# --- the browser and its pages -------------------------------------------------------------


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session; each test gets its own context."""
    executable = chromium_executable()
    with sync_playwright() as playwright:
        expect.set_options(timeout=TIMEOUT_MS)
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=LAUNCH_TIMEOUT_MS,
        )
        yield browser
        browser.close()


@dataclass
class ConsoleErrors:
    """What went wrong in the pages of one test: JavaScript errors, console.error messages and
    requests to other hosts. Anything left at the end of the test fails it."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def take(self) -> tuple[list[str], list[str]]:
        """(errors, blocked) so far, cleared: for a test that provokes them on purpose."""
        taken = (self.errors, self.blocked)
        self.errors, self.blocked = [], []
        return taken

    def report(self) -> str:
        lines = [f"JavaScript/console error: {e}" for e in self.errors]
        lines += [f"blocked request to another host: {b}" for b in self.blocked]
        return "\n".join(lines)

    def check(self) -> None:
        if self.errors or self.blocked:
            pytest.fail("the page went wrong:\n" + self.report(), pytrace=False)

    def watch(self, context: BrowserContext) -> None:
        """Route and listen on a context, and on every page it opens."""
        context.route("**/*", self._route)
        context.on("weberror", lambda error: self.errors.append(f"{error.error}"))
        context.on("console", self._console)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
            self.blocked.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _console(self, message) -> None:
        if message.type == "error":
            location = message.location
            where = f" ({location['url']}:{location['lineNumber']})" if location["url"] else ""
            self.errors.append(message.text + where)


@pytest.fixture(name="console_errors")
def console_errors_fixture() -> Iterator[ConsoleErrors]:
    collected = ConsoleErrors()
    yield collected
    collected.check()


def new_context(browser: Browser, collector: ConsoleErrors, **options) -> BrowserContext:
    """A context like the `page` fixture's (1366×768, ja-JP, Asia/Tokyo, loopback only,
    deadlines), for a test that needs a second user: close it yourself."""
    settings = {"viewport": VIEWPORT, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}
    context = browser.new_context(**{**settings, **options})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    collector.watch(context)
    return context


@pytest.fixture(name="page")
def page_fixture(chromium: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    """A fresh page in a fresh context (no cookies carried over) for each test."""
    context = new_context(chromium, console_errors)
    opened = context.new_page()
    yield opened
    context.close()


# --- what tests look at --------------------------------------------------------------------


def axe_violations(
    page: Page, impacts: tuple[str, ...] | None = ("serious", "critical"), **options
) -> list[dict]:
    """axe-core's violations on the page as it is now, of these impacts (None: all).
    options go to axe.run (e.g. runOnly={"type": "rule", "values": ["image-alt"]}).
    Injected with evaluate into every frame, so a page's Content-Security-Policy does not
    stop it and iframes are checked too."""
    for frame in page.frames:  # axe in every frame, so that it checks inside iframes too
        if not frame.evaluate("() => typeof window.axe === 'object'"):
            frame.evaluate(AXE_SOURCE)
    # page.evaluate has no timeout of its own: the deadline is raced in the page.
    violations = page.evaluate(
        """([options, deadline]) => Promise.race([
            axe.run(document, options).then((results) => results.violations),
            new Promise((_, reject) => setTimeout(
                () => reject(new Error(`axe-core took longer than ${deadline} ms`)), deadline)),
        ])""",
        [{"resultTypes": ["violations"], "frameWaitTime": 2_000, **options}, TIMEOUT_MS],
    )
    return [v for v in violations if impacts is None or v["impact"] in impacts]


def axe_report(violations: list[dict]) -> str:
    """A readable list for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']} {node['html'][:120]}" for node in violation["nodes"]]
    return "\n".join(lines)


def screenshot_folder(tmp_path: Path) -> Path:
    """Where a test's screenshots go: the test's own folder, so that running the suite never
    changes the repository; docs/screenshots/ when MADOGUCHI_UPDATE_SCREENSHOTS=1 asks for the
    README's pictures to be made again."""
    if os.environ.get("MADOGUCHI_UPDATE_SCREENSHOTS") == "1":
        return REPO / "docs" / "screenshots"
    return tmp_path


def screenshot(page: Page, path: Path | str, full_page: bool = False) -> Path:
    """A PNG of the page once its fonts have loaded, caret hidden and animations stopped."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate(
        """(deadline) => Promise.race([
            document.fonts.ready.then(() => true),
            new Promise((_, reject) => setTimeout(
                () => reject(new Error('fonts still loading')), deadline)),
        ])""",
        TIMEOUT_MS,
    )
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


def rendered_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium actually drew the element's text with: {family: glyphs}."""
    session = page.context.new_cdp_session(page)
    try:
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"nothing matches {selector}"
        session.send("CSS.enable")
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        return {font["familyName"]: font["glyphCount"] for font in fonts}
    finally:
        session.detach()


def focused(page: Page) -> str:
    """The focused element as 'tag#id "accessible text"', for keyboard walks."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return 'body';
            const name = e.getAttribute('aria-label') || e.innerText || e.value || '';
            return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${name.trim()}"`;
        }"""
    )


def tab_walk(page: Page, presses: int, key: str = "Tab") -> list[str]:
    """Press Tab (or another key) that many times; what had focus after each press."""
    walk = []
    for _ in range(presses):
        page.keyboard.press(key)
        walk.append(focused(page))
    return walk


# --- servers for the pages -----------------------------------------------------------------


@contextmanager
def served(command: list[str], url: str, ready_path: str = "/", env: dict | None = None):
    """Run a server process until the block ends; ready once ready_path answers below 500.
    Yields url. What it printed is shown if it dies or does not start in time (kept in a
    file, not a pipe, so a chatty server never blocks on a full pipe)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )

        def printed() -> str:
            output.seek(0)
            return output.read()[-4000:]

        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{command} exited {process.returncode}:\n{printed()}")
                try:
                    if requests.get(url + ready_path, timeout=2).status_code < 500:
                        break
                except requests.RequestException:  # refused until it listens
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{command} did not answer {url + ready_path}:\n{printed()}")
                time.sleep(0.1)  # polling for the server to listen, with the deadline above
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def served_app(spec: str, *, factory: bool = False, env: dict | None = None):
    """An ASGI app ('module:attribute') under real uvicorn in its own process, on a free
    loopback port. Yields its URL (http://127.0.0.1:PORT)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", spec, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log", *(["--factory"] if factory else [])]
    return served(command, f"http://127.0.0.1:{port}", env=env)


def served_backend(data: Path, *options: str, env: dict | None = None):
    """The reference backend (`kiosk backend serve --data DATA …`) in its own process on a free
    loopback port, as an office runs it. Yields its URL; ready when HEALTH_PATH answers."""
    port = free_port()
    command = [sys.executable, "-m", "kiosk", "backend", "serve", "--data", str(data)]
    command += ["--host", "127.0.0.1", "--port", str(port), *options]
    return served(command, f"http://127.0.0.1:{port}", ready_path=HEALTH_PATH, env=env)
