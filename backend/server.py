"""Run the reference backend under uvicorn: in the foreground (`kiosk backend serve`) or on a
background thread (beside the demo kiosk, in tests and benchmarks).

uvicorn's side of the limits (backend/limits.py has the request side): a deadline for request
headers (uvicorn has none of its own, so a client sending a header byte a second, or nothing
at all, would hold a connection for ever), the idle keep-alive time, the size of the headers,
and how many connections and requests at once (then 503). TLS directly from a certificate and
key, or behind a reverse proxy whose X-Forwarded-For is trusted from forwarded_allow_ips.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from backend.app import create_app
from backend.limits import Limits
from backend.paths import BackendPaths, database_url

START_DEADLINE_S = 15.0


@dataclass(frozen=True)
class Tls:
    certificate: Path
    key: Path

    def check(self) -> None:
        """Load the pair once, so a wrong file is one clear ValueError before uvicorn starts."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(self.certificate, self.key)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(
                f"cannot use certificate {self.certificate} with key {self.key}: "
                f"{getattr(error, 'strerror', None) or error}"
            ) from error


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus: a connection must deliver a request's headers within
    header_timeout_s of opening or of its first byte after a response, or it is closed.

    While headers are awaited (no request in progress, or its response already sent and its
    remaining body being dropped), the first bytes arm a timer; the start of a request (uvicorn
    made a new cycle) disarms it. The request's body is paced by backend/limits.py."""

    header_timeout_s = 10.0  # per server: protocol_for() makes a subclass with its Limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            # asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and the socket
            # uvicorn binds for --workers says 0: without this each small response of a worker
            # waited ≈40 ms for the client's delayed ACK (Nagle), 5× a heartbeat's time.
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._await_headers()

    def _awaiting_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _await_headers(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_headers() and not self.transport.is_closing():
            # abort, not close: over TLS, close waits up to 30 s for the client's close_notify,
            # and all that time the connection counts against the concurrency limit.
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers():
            self._await_headers()
        super().data_received(data)
        if not self._awaiting_headers() and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)


def protocol_for(limits: Limits) -> type[HeaderDeadlineProtocol]:
    if limits.header_timeout_s == HeaderDeadlineProtocol.header_timeout_s:
        return HeaderDeadlineProtocol  # importable by name: worker processes can unpickle it
    return type(
        "HeaderDeadlineProtocol",
        (HeaderDeadlineProtocol,),
        {"header_timeout_s": limits.header_timeout_s},
    )


def server_config(
    paths: BackendPaths,
    host: str,
    port: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
    tls: Tls | None = None,
    forwarded_allow_ips: str | None = None,
    limits: Limits | None = None,
    log_level: str = "info",
    access_log: bool = True,
) -> uvicorn.Config:
    """The one uvicorn configuration of the backend, for the foreground and the thread."""
    limits = limits or Limits()
    if tls is not None:
        tls.check()
    app = create_app(paths, database=database, catalog_dir=catalog_dir, limits=limits)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        http=protocol_for(limits),
        timeout_keep_alive=limits.keep_alive_s,
        limit_concurrency=limits.concurrency,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_graceful_shutdown=int(limits.shutdown_s),
        ssl_certfile=str(tls.certificate) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        proxy_headers=True,
        # None: uvicorn's default ($FORWARDED_ALLOW_IPS, else 127.0.0.1: a proxy on this host).
        forwarded_allow_ips=forwarded_allow_ips,
    )


def serve(
    paths: BackendPaths,
    host: str,
    port: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
    tls: Tls | None = None,
    forwarded_allow_ips: str | None = None,
    workers: int = 1,
) -> bool:
    """Serve until stopped; False when the server never started (uvicorn said why).
    workers > 1: that many processes on PostgreSQL (ValueError on SQLite, see serve_workers)."""
    if workers > 1:
        return serve_workers(
            paths,
            host,
            port,
            workers,
            database=database,
            catalog_dir=catalog_dir,
            tls=tls,
            forwarded_allow_ips=forwarded_allow_ips,
        )
    config = server_config(
        paths,
        host,
        port,
        database=database,
        catalog_dir=catalog_dir,
        tls=tls,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    # Everything made while starting (modules, the catalog, templates: ≈120,000 objects) lives
    # as long as the process; frozen, a full collection no longer walks it. Without this a
    # queue page of 500 rows set off one every ≈15 requests and waited 40–60 ms for it (the
    # page's p95 in `kiosk bench console-queue`).
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(config)
    server.run()
    return server.started


# How `kiosk backend serve --workers N` tells its worker processes what to serve.
APP_ENVIRONMENT = "MADOGUCHI_BACKEND_APP"


def app_from_environment() -> FastAPI:
    """One worker process's app (uvicorn's factory): the data folder, database and catalog the
    parent process put in APP_ENVIRONMENT."""
    place = json.loads(os.environ[APP_ENVIRONMENT])
    app = create_app(
        BackendPaths(Path(place["data"])),
        database=place["database"],
        catalog_dir=Path(place["catalog"]) if place["catalog"] else None,
    )
    gc.collect()
    gc.freeze()  # as in serve(): what starting made lives as long as the worker
    return app


def serve_workers(
    paths: BackendPaths,
    host: str,
    port: int,
    workers: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
    tls: Tls | None = None,
    forwarded_allow_ips: str | None = None,
) -> bool:
    """Serve with several uvicorn worker processes sharing one socket, until stopped.

    PostgreSQL only: SQLite takes one writer at a time, so several processes would queue on
    its lock and add nothing but contention (ValueError). The app is built once here first, so
    the key pair, the migrations and any refusal happen once, before a worker starts."""
    url = database_url(paths, database)
    if make_url(url).get_backend_name() != "postgresql":
        raise ValueError(
            "--workers needs PostgreSQL: SQLite takes one writer at a time, so several worker"
            " processes would only wait on its lock (serve SQLite with one worker)"
        )
    limits = Limits()
    if tls is not None:
        tls.check()
    create_app(paths, database=database, catalog_dir=catalog_dir).state.engine.dispose()
    os.environ[APP_ENVIRONMENT] = json.dumps(
        {"data": str(paths.root), "database": url, "catalog": str(catalog_dir or "")}
    )
    config = uvicorn.Config(
        "backend.server:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        http=protocol_for(limits),
        timeout_keep_alive=limits.keep_alive_s,
        limit_concurrency=limits.concurrency,  # per worker process
        h11_max_incomplete_event_size=limits.max_header_bytes,
        timeout_graceful_shutdown=int(limits.shutdown_s),
        ssl_certfile=str(tls.certificate) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    try:
        listening = config.bind_socket()
    except SystemExit:  # uvicorn logged why (the port is taken …)
        return False
    Multiprocess(config, sockets=[listening]).run()
    return True


@dataclass
class LocalBackend:
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout_s)


def start_in_thread(
    paths: BackendPaths,
    host: str,
    port: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
    tls: Tls | None = None,
    limits: Limits | None = None,
) -> LocalBackend | None:
    """Start the backend on a thread; None when it could not listen (e.g. the port is taken,
    which usually means a backend is already running there)."""
    config = server_config(
        paths,
        host,
        port,
        database=database,
        catalog_dir=catalog_dir,
        tls=tls,
        limits=limits,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="local-backend", daemon=True)
    thread.start()
    end = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < end and thread.is_alive() and not server.started:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=5)
        return None
    scheme = "https" if tls else "http"
    return LocalBackend(server, thread, f"{scheme}://{host}:{port}")
