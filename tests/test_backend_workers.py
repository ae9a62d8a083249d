"""`kiosk backend serve --workers N`: several uvicorn processes on PostgreSQL, refused on SQLite."""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select
from uvicorn.protocols.http.h11_impl import H11Protocol

from backend import db
from backend.limits import Limits
from backend.server import HeaderDeadlineProtocol, protocol_for
from bench.backend_load import serve
from bench.fleet_bench import enroll
from bench.fleet_load import single_kiosk_heartbeats
from tests.postgres import postgres_server  # noqa: F401


def test_several_workers_are_refused_on_sqlite_in_plain_words(tmp_path):
    place = ["--data", str(tmp_path), "--database", f"sqlite:///{tmp_path / 'b.sqlite3'}"]
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "backend", "serve", "--workers", "2", *place],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "--workers needs PostgreSQL" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_default_protocol_can_travel_to_a_worker_process():
    # Worker processes are spawned: the configuration, protocol class included, is pickled.
    assert pickle.loads(pickle.dumps(protocol_for(Limits()))) is protocol_for(Limits())


def test_every_connection_sends_small_replies_at_once(monkeypatch):
    # The socket uvicorn binds for --workers says proto 0, so asyncio leaves Nagle on and each
    # reply waited ≈40 ms for the client's delayed ACK: the protocol turns it off itself.
    monkeypatch.setattr(H11Protocol, "connection_made", lambda self, transport: None)
    monkeypatch.setattr(HeaderDeadlineProtocol, "_await_headers", lambda self: None)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as plain:
        assert plain.proto == 0 and not plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        transport = SimpleNamespace(get_extra_info=lambda name: plain if name == "socket" else None)
        HeaderDeadlineProtocol.__new__(HeaderDeadlineProtocol).connection_made(transport)
        assert plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_two_workers_on_postgresql_answer_every_heartbeat(tmp_path, postgres_server):  # noqa: F811
    url = postgres_server.create_database()
    backend = serve(tmp_path, url, workers=2)
    try:
        engine = db.connect(url, migrate=False)
        [kiosk] = enroll(engine, 1)
        taken = single_kiosk_heartbeats(backend.url, kiosk, 20)
        workers = [
            child
            for child in _children(backend.process.pid)
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()  # not its tracker
        ]
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(db.kiosk_status))
            assert stored.scalar_one() == 1
        engine.dispose()
    finally:
        backend.stop()
    assert len(taken) == 20
    assert len(workers) == 2, workers
