"""`kiosk backend user …` and staff token roles: the console's accounts from the backend host's
terminal (SQLite and PostgreSQL), passwords as slow salted hashes, and the schema step that
brought accounts, sessions and token roles."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import insert, text
from sqlalchemy import select as sql_select

from backend import db, tokens
from backend.console import passwords, sessions, users
from backend.console.login import LoginGuard, LoginResult
from backend.console.roles import StaffRole
from backend.console.settings import ConsoleSettings
from backend.migrations import LATEST, migrate
from backend.paths import BackendPaths
from backend.server import start_in_thread
from backend.tokens import Principal, TokenKind
from core.wire import STAFF_PREFIX
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a new passphrase 2026"


class Host:
    """A backend host's data folder and database, and its `kiosk backend` command."""

    def __init__(self, root, database: str) -> None:
        self.paths = BackendPaths(root)
        self.database = database

    @property
    def place(self) -> list[str]:
        return ["--data", str(self.paths.root), "--database", self.database]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kiosk", "backend", *args, *self.place]

    def cli(self, *args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self.command(*args), input=stdin, capture_output=True, text=True, timeout=120
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def user(self, name: str) -> users.StaffUser | None:
        engine = db.connect(self.database)
        try:
            return users.find(engine, name)
        finally:
            engine.dispose()

    def login(self, name: str, password: str) -> LoginResult:
        engine = db.connect(self.database)
        try:
            guard = LoginGuard(ConsoleSettings())
            return guard.attempt(engine, name, password, datetime.now(UTC)).result
        finally:
            engine.dispose()


@pytest.fixture
def host(tmp_path, backend_database):  # noqa: F811
    return Host(tmp_path / "backend", backend_database)


def one_line(result: subprocess.CompletedProcess) -> str:
    """A failure's reason: exit 2, exactly one line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_create_and_list_users_with_roles_and_divisions(host):
    created = host.cli(
        "user", "create", "tanaka", "--role", "clerk", "--division", "市民課",
        "--division", "保険年金課", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert "職員 tanaka（窓口担当、市民課・保険年金課）を作りました" in created.stderr
    host.cli("user", "create", "係長１", "--role", "supervisor", "--password-stdin", stdin=PASSWORD)
    host.cli("user", "create", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD)

    listed = json.loads(host.cli("user", "list", "--json").stdout)
    assert [(u["name"], u["role"], u["divisions"]) for u in listed] == [
        ("admin", "admin", []),
        ("tanaka", "clerk", ["市民課", "保険年金課"]),
        ("係長1", "supervisor", []),  # NFKC: the full-width digit typed with an IME
    ]
    assert all(u["disabled"] is False and u["locked_until"] is None for u in listed)
    assert not any("hash" in key or "password" in key for u in listed for key in u)
    readable = host.cli("user", "list").stdout
    assert "tanaka  窓口担当（clerk）  市民課・保険年金課  有効" in readable
    assert "3 人" in readable

    assert host.login("tanaka", PASSWORD) is LoginResult.SIGNED_IN
    assert host.login("tanaka", "correct horse batter") is LoginResult.WRONG

    again = host.cli(
        "user", "create", "tanaka", "--role", "admin", "--password-stdin",
        stdin=PASSWORD, check=False,
    )  # fmt: skip
    assert one_line(again) == (
        "kiosk backend user create: a staff user named 'tanaka' exists already"
    )


def test_only_the_hash_of_a_password_is_stored_salted_and_slow(host):
    host.cli("user", "create", "sato", "--role", "clerk", "--password-stdin", stdin=PASSWORD)
    host.cli("user", "create", "kato", "--role", "clerk", "--password-stdin", stdin=PASSWORD)
    engine = db.connect(host.database)
    try:
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    sql_select(db.staff_users.c.name, db.staff_users.c.password_hash)
                ).all()
            )
    finally:
        engine.dispose()
    assert stored["sato"] != stored["kato"]  # salted: one password, two hashes
    scheme, cost, block, parallel, _salt, _digest = stored["sato"].split("$")
    assert (scheme, int(cost), int(block), int(parallel)) == ("scrypt", 2**15, 8, 1)
    assert PASSWORD not in "".join(stored.values())
    assert passwords.verify_password(PASSWORD, stored["sato"])
    assert not passwords.verify_password(PASSWORD + " ", stored["sato"])


def test_a_password_too_short_or_mistyped_changes_nothing(host):
    short = host.cli(
        "user", "create", "ono", "--role", "clerk", "--password-stdin",
        stdin="123456789\n", check=False,
    )  # fmt: skip
    assert one_line(short) == (
        "kiosk backend user create: the password must have at least 10 characters; "
        "nothing was changed"
    )
    assert host.user("ono") is None
    # Without a terminal to ask on, it says how to give the password instead of hanging.
    no_terminal = host.cli("user", "create", "ono", "--role", "clerk", check=False)
    assert "--password-stdin" in one_line(no_terminal)
    assert host.user("ono") is None
    wrong_role = host.cli("user", "create", "ono", "--role", "boss", check=False)
    assert wrong_role.returncode == 2 and "invalid choice: 'boss'" in wrong_role.stderr


def test_names_outside_the_rule_are_refused_and_shown_not_obeyed(host):
    script = host.cli(
        "user", "create", "<script>alert(1)</script>", "--role", "admin", "--password-stdin",
        stdin=PASSWORD, check=False,
    )  # fmt: skip
    assert "'<script>alert(1)</script>' is not a staff token name" in one_line(script)
    escape = host.cli(
        "user", "create", "x\x1b[2Jy", "--role", "admin", "--password-stdin",
        stdin=PASSWORD, check=False,
    )  # fmt: skip
    assert "\x1b" not in escape.stderr  # quoted as \x1b: shown, never obeyed
    assert "'x\\x1b[2Jy' is not a staff token name" in one_line(escape)
    division = host.cli(
        "user", "create", "ok-name", "--role", "clerk", "--division", "市民課 窓口",
        "--password-stdin", stdin=PASSWORD, check=False,
    )  # fmt: skip
    assert "市民課 窓口" in one_line(division)
    assert json.loads(host.cli("user", "list", "--json").stdout) == []


def test_disable_ends_sessions_and_logins_enable_restores_them(host):
    host.cli("user", "create", "mori", "--role", "clerk", "--password-stdin", stdin=PASSWORD)
    engine = db.connect(host.database)
    try:
        user = users.find(engine, "mori")
        session_id, _ = sessions.start(engine, user, "10.0.0.1", datetime.now(UTC))
    finally:
        engine.dispose()
    disabled = host.cli("user", "disable", "mori")
    assert "職員 mori を無効にしました" in disabled.stderr
    engine = db.connect(host.database)
    try:
        assert sessions.find(engine, session_id, datetime.now(UTC), ConsoleSettings()) is None
    finally:
        engine.dispose()
    assert host.login("mori", PASSWORD) is LoginResult.DISABLED
    assert "mori  窓口担当（clerk）  —  無効" in host.cli("user", "list").stdout
    assert json.loads(host.cli("user", "list", "--json").stdout)[0]["disabled"] is True

    host.cli("user", "enable", "mori")
    assert host.login("mori", PASSWORD) is LoginResult.SIGNED_IN
    missing = host.cli("user", "disable", "nobody", check=False)
    assert one_line(missing) == "kiosk backend user disable: no staff user named 'nobody'"


def test_reset_password_takes_a_new_one_and_lifts_the_lockout(host):
    host.cli("user", "create", "abe", "--role", "clerk", "--password-stdin", stdin=PASSWORD)
    for attempt in range(5):
        host.login("abe", f"wrong password {attempt}")
    assert host.login("abe", PASSWORD) is LoginResult.LOCKED
    assert "ロック中" in host.cli("user", "list").stdout
    assert json.loads(host.cli("user", "list", "--json").stdout)[0]["locked_until"]

    short = host.cli(
        "user", "reset-password", "abe", "--password-stdin", stdin="short", check=False
    )
    assert "at least 10 characters" in one_line(short)
    assert host.login("abe", PASSWORD) is LoginResult.LOCKED  # nothing changed

    reset = host.cli("user", "reset-password", "abe", "--password-stdin", stdin=NEW_PASSWORD)
    assert "パスワードを変えました" in reset.stderr
    assert host.login("abe", PASSWORD) is LoginResult.WRONG
    assert host.login("abe", NEW_PASSWORD) is LoginResult.SIGNED_IN
    unknown = host.cli(
        "user", "reset-password", "nobody", "--password-stdin", stdin=NEW_PASSWORD, check=False
    )
    assert one_line(unknown) == "kiosk backend user reset-password: no staff user named 'nobody'"


def _converse(command: list[str], answers: list[str], deadline_s: float = 60.0) -> tuple[int, str]:
    """Run command on a new pseudo-terminal (its controlling terminal, where getpass asks);
    answer each prompt in turn; return (exit status, everything it wrote there)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: exec at once
        os.execv(command[0], command)
    seen, pending = b"", list(answers)
    end = time.monotonic() + deadline_s
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([terminal], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal (Linux says EIO)
                break
            if not chunk:
                break
            seen += chunk
            prompts = seen.decode("utf-8", "replace").count(": ")
            if pending and prompts > len(answers) - len(pending):
                os.write(terminal, pending.pop(0).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def test_without_password_stdin_it_asks_twice_on_the_terminal_without_echo(host):
    create = host.command("user", "create", "fujita", "--role", "supervisor")
    status, shown = _converse(create, [PASSWORD, PASSWORD])
    assert status == 0, shown
    assert "パスワード（10文字以上）: " in shown and "もう一度入れてください: " in shown
    assert PASSWORD not in shown  # not echoed
    assert host.login("fujita", PASSWORD) is LoginResult.SIGNED_IN

    reset = host.command("user", "reset-password", "fujita")
    status, shown = _converse(reset, [NEW_PASSWORD, NEW_PASSWORD + "x"])
    assert status == 2 and "the two passwords differ; nothing was changed" in shown
    assert host.login("fujita", PASSWORD) is LoginResult.SIGNED_IN


def test_staff_tokens_get_a_role_supervisor_unless_named(host):
    default = host.cli("token", "create", "staff", "係長").stdout.strip()
    admin = host.cli("token", "create", "staff", "管理", "--role", "admin").stdout.strip()
    kiosk = host.cli("token", "create", "kiosk", "kiosk-05").stdout.strip()
    engine = db.connect(host.database)
    try:
        found = [tokens.authenticate(engine, token) for token in (default, admin, kiosk)]
    finally:
        engine.dispose()
    assert [principal.role for principal in found] == [
        StaffRole.SUPERVISOR,
        StaffRole.ADMIN,
        None,
    ]
    assert found[1] == Principal(TokenKind.STAFF, "管理")  # a role is not who the caller is
    refused = host.cli("token", "create", "kiosk", "kiosk-06", "--role", "admin", check=False)
    assert one_line(refused) == "kiosk backend token: --role is for 'token create staff NAME' only"


def test_a_clerk_token_is_refused_and_one_made_before_opens_nothing(host):
    """A token has no divisions; a clerk sees only their divisions' applications: a clerk
    token would see everything or nothing. It is refused in plain words, and one stored
    before this rule (a row with the clerk role) gets 403 on the staff API, not every
    division's answers."""
    refused = host.cli("token", "create", "staff", "窓口", "--role", "clerk", check=False)
    assert refused.returncode == 2
    assert "give a clerk a console account" in one_line(refused)
    engine = db.connect(host.database)
    try:
        with pytest.raises(ValueError, match="no divisions"):
            tokens.issue(engine, "staff", "窓口", role="clerk")
        with engine.begin() as connection:  # as stored before clerk tokens were refused
            connection.execute(
                insert(db.tokens).values(
                    token_sha256=tokens.token_sha256("old clerk token"),
                    kind="staff",
                    name="窓口",
                    created_at=datetime.now(UTC),
                    role="clerk",
                )
            )
    finally:
        engine.dispose()
    supervisor = host.cli("token", "create", "staff", "係長2").stdout.strip()
    running = start_in_thread(host.paths, "127.0.0.1", free_port(), database=host.database)
    assert running is not None, "the backend did not start"
    try:
        for path in (f"{STAFF_PREFIX}/applications", f"{STAFF_PREFIX}/kiosks"):
            answer = requests.get(
                running.url + path,
                headers={"Authorization": "Bearer old clerk token"},
                timeout=10,
            )
            assert answer.status_code == 403 and "no divisions" in answer.json()["detail"]
        answer = requests.get(
            f"{running.url}{STAFF_PREFIX}/applications",
            headers={"Authorization": f"Bearer {supervisor}"},
            timeout=10,
        )
        assert answer.status_code == 200
    finally:
        running.stop()
        running.server.config.app.state.engine.dispose()


def test_the_schema_step_gives_existing_staff_tokens_the_supervisor_role(backend_database):  # noqa: F811
    engine = db.connect(backend_database, migrate=False)
    try:
        assert migrate(engine, target=8) == 8  # the step before migration 9 gave tokens roles
        with engine.begin() as connection:
            for kind, name in (("staff", "old-staff"), ("kiosk", "kiosk-01")):
                connection.execute(
                    text("INSERT INTO tokens VALUES (:sha, :kind, :name, :at)"),
                    {
                        "sha": tokens.token_sha256(f"token of {name}"),
                        "kind": kind,
                        "name": name,
                        "at": db.format_utc(datetime.now(UTC)),
                    },
                )
        assert migrate(engine) == LATEST
        staff = tokens.authenticate(engine, "token of old-staff")
        kiosk = tokens.authenticate(engine, "token of kiosk-01")
        assert (staff.role, kiosk.role) == (StaffRole.SUPERVISOR, None)
        now = datetime.now(UTC)
        created = users.create(engine, "new", "clerk", PASSWORD, ["市民課"], now)
        assert users.find(engine, "new") == created
    finally:
        engine.dispose()


def test_stored_hashes_with_absurd_parameters_are_refused_not_computed():
    assert not passwords.verify_password(PASSWORD, "scrypt$1073741824$8$1$AAAA$AAAA")
    assert not passwords.verify_password(PASSWORD, "bcrypt$whatever")
    assert not passwords.verify_password(PASSWORD, "")
    with pytest.raises(passwords.UnusablePassword):
        passwords.hash_password("x" * (passwords.MAX_LENGTH + 1))


def test_sessions_expire_by_the_clock_they_are_given(backend_database):  # noqa: F811
    """The session store with an injected time: idle and absolute expiry, exactly."""
    engine = db.connect(backend_database)
    settings = ConsoleSettings()
    start = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    try:
        user = users.create(engine, "clerk", "clerk", PASSWORD, ["市民課"], start)
        session_id, csrf = sessions.start(engine, user, "10.0.0.1", start)
        found = sessions.find(engine, session_id, start + timedelta(minutes=29), settings)
        assert found is not None and found.csrf_token == csrf and found.user.name == "clerk"
        moment = start
        for _ in range(19):  # busy all day: a request every 29 minutes keeps it…
            moment += timedelta(minutes=29)
            live = sessions.find(engine, session_id, moment, settings)
            assert live is not None
            sessions.touch(engine, live, moment, settings)
        assert moment - start == timedelta(hours=9, minutes=11)
        late = moment + timedelta(minutes=50)  # …until 10 hours after login, whatever
        assert sessions.find(engine, session_id, late, settings) is None
        assert sessions.find(engine, session_id, moment, settings) is None  # deleted

        second, _ = sessions.start(engine, user, "10.0.0.1", start)
        assert sessions.find(engine, second, start + timedelta(minutes=30), settings) is None
        assert sessions.find(engine, "not-a-session-id", start, settings) is None
    finally:
        engine.dispose()
