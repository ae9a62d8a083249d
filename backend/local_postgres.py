"""A private PostgreSQL server in a temporary folder, for tests and benchmarks of the backend.

Debian's server binaries, run as the `postgres` system user when we are root (PostgreSQL refuses
to run as root), a unix socket in the folder, TCP on a free loopback port, trust authentication:
nothing outside the folder is touched and it is removed on stop.

    with running_postgres(durable=True) as server:
        url = server.create_database("bench")
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


START_DEADLINE_S = 30.0
SYSTEM_USER = "postgres"


class PostgresUnavailable(Exception):
    """Why a private PostgreSQL server cannot be started here."""


def binaries() -> Path:
    """The newest installed /usr/lib/postgresql/*/bin (or $PG_BINDIR)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): "
            "run scripts/install-system-packages"
        )
    return Path(found[-1]).parent


class PostgresServer:
    """One postgres process in its own folder; `url` reaches its `postgres` database."""

    def __init__(self, *, durable: bool = False) -> None:
        # durable=False turns fsync off: tests need no crash safety and run faster; a
        # benchmark passes durable=True to measure what production would see.
        self.durable = durable
        self.bin = binaries()
        self.as_user: list[str] = []
        self.folder = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SYSTEM_USER)
            except KeyError as error:
                self.cleanup()
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' system user to run PostgreSQL "
                    "as (PostgreSQL refuses to run as root)"
                ) from error
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", SYSTEM_USER, "--"]
        self.data = self.folder / "data"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> PostgresServer:
        initdb = self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        if initdb.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {initdb.stderr.strip()[-500:]}")
        last_error = ""
        for _attempt in range(3):  # the free port may be taken between choosing and binding
            self.port = free_port()
            last_error = self._launch()
            if not last_error:
                return self
        raise PostgresUnavailable(f"postgres did not start: {last_error}")

    def _launch(self) -> str:
        """Start postgres and wait until it accepts connections; '' or why it failed."""
        log = self.folder / "postgres.log"
        options = [
            "-D", str(self.data),
            "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={self.folder}",
            "-c", "max_connections=200",
            "-c", f"fsync={'on' if self.durable else 'off'}",
            "-c", f"synchronous_commit={'on' if self.durable else 'off'}",
            "-c", "full_page_writes=" + ("on" if self.durable else "off"),
        ]  # fmt: skip
        with open(log, "ab") as log_file:
            self.process = subprocess.Popen(
                [*self.as_user, str(self.bin / "postgres"), *options],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end:
            if self.process.poll() is not None:
                return log.read_text(errors="replace").strip()[-500:]
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "1"],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return ""
            time.sleep(0.1)  # polling interval while waiting for readiness, not a fixed wait
        self._stop_process()
        tail = log.read_text(errors="replace")[-500:]
        return f"not ready after {START_DEADLINE_S:.0f} s: {tail}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _conninfo(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def _stop_process(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # pg_ctl's fast shutdown: the parent runuser would not pass a signal on reliably.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast", "-w")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self._stop_process()
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A started server for the duration of the block (raises PostgresUnavailable)."""
    server = PostgresServer(durable=durable)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()
