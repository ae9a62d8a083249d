"""A private PostgreSQL server for tests and benchmarks (Debian's postgresql package).

From pytest: import the fixtures into a test module,

    from tests.postgres import backend_database, postgres_server  # noqa: F401

then `postgres_server` (session) is the running server, and `backend_database` is a database
URL parametrized over SQLite and PostgreSQL (a fresh empty database per test). Outside pytest
(a benchmark): `with running_postgres() as server: url = server.create_database("bench")`.

PostgreSQL refuses to run as root, and CI runs as root: then initdb and postgres run as the
`postgres` system user (runuser) in a temporary folder that user owns. The server listens on a
Unix socket in that folder and on a free loopback port, with trust authentication (nothing but
this machine can reach it), and is stopped on teardown. When it cannot start, the tests that
need it are skipped with the exact reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.local_postgres import PostgresServer, PostgresUnavailable, running_postgres

__all__ = [
    "PostgresServer",
    "PostgresUnavailable",
    "backend_database",
    "postgres_server",
    "running_postgres",
]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL tests skipped: {error}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_database(request, tmp_path) -> Iterator[str]:
    """A database URL for a backend: a SQLite file, or a fresh database on the private server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backend-test.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)
