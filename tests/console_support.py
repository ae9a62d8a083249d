"""The staff console for tests: `kiosk backend serve` in its own process (real uvicorn) on
SQLite or PostgreSQL, staff accounts made straight in its database, and plain HTTP clients
(requests) logged in through the real login form.

    from tests.console_support import console  # noqa: F401   (a module-scoped fixture)

    def test_something(console):
        console.add_user("tanaka", "clerk", ["市民課"])
        browser = console.login("tanaka")          # a requests.Session with the cookie
        page = browser.get(console.url + "/staff/")

Time is moved by rewriting the stored moments (rewind_session, unlock), never by sleeping.
Each test should use its own names and client addresses (address()): the server and its
per-address budgets are shared by the module's tests.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, update

from backend import db
from backend.console import sessions, users
from backend.paths import BackendPaths
from core.sealing import generate_key_pair
from core.wire import HEALTH_PATH
from tests.netutil import free_port

TIMEOUT = 10
START_DEADLINE_S = 60
PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_addresses = itertools.count(1)


def address() -> str:
    """A client address of its own (uvicorn trusts X-Forwarded-For from loopback)."""
    number = next(_addresses)
    return f"10.{77 + os.getpid() % 100}.{number // 250}.{number % 250 + 1}"


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie of the response by cookie name, as sent (attributes included)."""
    found = {}
    for header in response.raw.headers.getlist("set-cookie"):
        found[header.split("=", 1)[0]] = header
    return found


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


class RunningConsole:
    def __init__(self, root: Path, database: str) -> None:
        self.paths = BackendPaths(root)
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr = root.parent / f"{root.name}-stderr.log"
        self.process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        """The server's log file (kiosk/logs.py in --data/logs)."""
        return self.paths.root / "logs" / "kiosk.log"

    def start(self) -> None:
        generate_key_pair(self.paths.keys)
        command = [sys.executable, "-m", "kiosk", "backend", "serve", "--port", str(self.port)]
        command += ["--data", str(self.paths.root), "--database", self.database]
        environ = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
        with self.stderr.open("wb") as stderr:  # a file: a full pipe would stall the server
            self.process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=stderr, env=environ
            )
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end and self.process.poll() is None:
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)  # polling for the server to listen, with a deadline
        self.stop()
        raise AssertionError(f"the backend did not start: {self.stderr.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def engine(self) -> Engine:
        return db.connect(self.database, migrate=False)

    def add_user(
        self,
        name: str,
        role: str = "clerk",
        divisions: list[str] | None = None,
        password: str = PASSWORD,
    ) -> users.StaffUser:
        engine = self.engine()
        try:
            return users.create(engine, name, role, password, divisions or [], datetime.now(UTC))
        finally:
            engine.dispose()

    def client(self, client_address: str | None = None, **headers: str) -> requests.Session:
        browser = requests.Session()
        browser.headers["X-Forwarded-For"] = client_address or address()
        browser.headers.update(headers)
        return browser

    def login_form(self, browser: requests.Session) -> str:
        """Open the login page; the CSRF token of its form."""
        page = browser.get(self.url + "/staff/login", timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        return CSRF_FIELD.search(page.text).group(1)

    def try_login(
        self, browser: requests.Session, name: str, password: str = PASSWORD
    ) -> requests.Response:
        token = self.login_form(browser)
        return browser.post(
            self.url + "/staff/login",
            data={"csrf_token": token, "name": name, "password": password},
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def login(self, name: str, password: str = PASSWORD, **client) -> requests.Session:
        browser = self.client(**client)
        answer = self.try_login(browser, name, password)
        assert answer.status_code == 303, answer.text
        return browser

    def csrf(self, browser: requests.Session) -> str:
        """The session's CSRF token, from the home page's logout form."""
        page = browser.get(self.url + "/staff/", timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        return CSRF_FIELD.search(page.text).group(1)

    def session_id(self, browser: requests.Session) -> str:
        return browser.cookies.get(sessions.COOKIE, path="/staff")

    def rewind_session(
        self, browser: requests.Session, *, idle: timedelta, age: timedelta | None = None
    ) -> None:
        """Make the session look last used `idle` ago (and started `age` ago)."""
        now = datetime.now(UTC)
        values = {"last_seen": now - idle}
        if age is not None:
            values["created_at"] = now - age
        digest = sessions.id_sha256(self.session_id(browser))
        self._update(
            update(db.staff_sessions)
            .where(db.staff_sessions.c.id_sha256 == digest)
            .values(**values)
        )

    def unlock_by_time(self, name: str) -> None:
        """Let the lock of name run out, as 15 minutes would."""
        past = datetime.now(UTC) - timedelta(seconds=1)
        self._update(
            update(db.staff_users).where(db.staff_users.c.name == name).values(locked_until=past)
        )

    def _update(self, statement) -> None:
        engine = self.engine()
        try:
            with engine.begin() as connection:
                assert connection.execute(statement).rowcount == 1
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory) -> Iterator[RunningConsole]:
    root = tmp_path_factory.mktemp("console")
    if request.param == "sqlite":
        database, drop = f"sqlite:///{root / 'backend.sqlite3'}", None
    else:
        server = request.getfixturevalue("postgres_server")
        database = server.create_database()
        drop = server.drop_database
    running = RunningConsole(root / "backend", database)
    running.start()
    yield running
    running.stop()
    if drop is not None:
        drop(database)
