"""A small HTTP/1.1 client for the fleet load (bench/fleet_load.py): JSON POSTs over keep-alive
connections on asyncio streams, to this machine only.

httpx 0.28 cost this machine 1.5-3 ms of CPU per request (its pool checks every connection
for expiry on each request, and httpcore tries to import the absent sniffio on every lock it
takes): up to as much as the server spends answering a heartbeat, so on 2 shared cores the
load program would have measured itself. This one costs a small fraction of that. It reads what
the backend sends: a status line, headers and a Content-Length body (or a body up to the
close); a chunked reply is refused as a failure.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class HttpFailure(Exception):
    """No reply: the connection failed, timed out, or the reply could not be read."""


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"the fleet load runs against this machine only, not {host!r}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    used_at: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        self.writer.close()


class LoopbackClient:
    """At most `connections` requests at once (the others wait their turn here), each on a
    kept-alive connection unused for less than idle_s (below the server's keep-alive time, so
    the server never closes one as it is being reused), or a new one."""

    def __init__(
        self, url: str, connections: int, *, idle_s: float = 4.0, timeout_s: float = 30.0
    ) -> None:
        require_loopback(url)
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError("the fleet load speaks plain HTTP on loopback")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.idle_s = idle_s
        self.timeout_s = timeout_s
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    async def post_json(self, path: str, body: dict, token: str) -> Reply:
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode("ascii")
        async with self._slots:
            try:
                return await asyncio.wait_for(self._exchange(head + payload), self.timeout_s)
            except TimeoutError as error:
                raise HttpFailure(f"no reply within {self.timeout_s:.0f} s") from error

    def _take(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.used_at < self.idle_s:
                return connection
            connection.close()
        return None

    async def _exchange(self, request: bytes) -> Reply:
        connection = self._take()
        if connection is None:
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError as error:
                raise HttpFailure(f"cannot connect: {error}") from error
            connection = _Connection(reader, writer)
        try:
            reply, keep = await self._round_trip(connection, request)
        except HttpFailure:
            connection.close()
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            connection.close()
            raise HttpFailure(f"{type(error).__name__}: {error}") from error
        if keep:
            connection.used_at = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return reply

    @staticmethod
    async def _round_trip(connection: _Connection, request: bytes) -> tuple[Reply, bool]:
        connection.writer.write(request)
        await connection.writer.drain()
        head = await connection.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            raise HttpFailure("a chunked reply (the backend sends none to kiosks)")
        keep = headers.get("connection", "").lower() != "close"
        if "content-length" in headers:
            body = await connection.reader.readexactly(int(headers["content-length"]))
        else:
            body, keep = await connection.reader.read(), False
        return Reply(int(status_line.split(" ", 2)[1]), body), keep

    async def aclose(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
