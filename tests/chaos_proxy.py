"""A fault-injecting HTTP proxy between a kiosk and the backend, for the chaos tests.

One request per connection (every reply says Connection: close), so each fault is about one
request. The faults are what a municipal network and a busy server really do to a kiosk:
the connection dropped before the request arrives, a TCP reset, HTTP 500, 503 with Retry-After,
a slow reply, the reply lost after the server committed, and a body cut short. A seeded random
choice picks one per request; `counts` says how often each happened.
"""

from __future__ import annotations

import http.client
import random
import socket
import socketserver
import struct
import threading
import time
from collections import Counter
from enum import StrEnum

READ_DEADLINE_S = 10.0
UPSTREAM_DEADLINE_S = 60.0


class Fault(StrEnum):
    NONE = "none"
    DROP = "drop"  # closed before the request reaches the server
    RESET = "reset"  # TCP RST instead of a reply
    ERROR_500 = "500"
    UNAVAILABLE_503 = "503"  # with Retry-After
    SLOW = "slow"  # the reply arrives late (still inside the kiosk's timeout)
    LOST_REPLY = "lost_reply"  # the server committed; the kiosk never hears of it
    TRUNCATED = "truncated"  # headers promise more body than arrives


class _Request:
    def __init__(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
        self.method, self.path, self.headers, self.body = method, path, headers, body


def _read_request(stream) -> _Request | None:
    request_line = stream.readline(65536)
    if not request_line:
        return None
    method, path, _ = request_line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    length = 0
    while True:
        line = stream.readline(65536)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value)
    return _Request(method, path, headers, stream.read(length) if length else b"")


class ChaosProxy:
    def __init__(
        self,
        upstream_port: int,
        weights: dict[Fault, float],
        seed: int = 1,
        retry_after_s: int = 1,
        slow_s: float = 0.3,
    ) -> None:
        self.upstream_port = upstream_port
        self.weights = weights
        self.retry_after_s = retry_after_s
        self.slow_s = slow_s
        self.counts: Counter[Fault] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.connection.settimeout(READ_DEADLINE_S)
                proxy._handle(self.connection, self.rfile)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ChaosProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _pick(self) -> Fault:
        with self._lock:
            faults, weights = zip(*self.weights.items(), strict=True)
            fault = self._rng.choices(faults, weights)[0]
            self.counts[fault] += 1
            return fault

    def _handle(self, connection: socket.socket, stream) -> None:
        request = _read_request(stream)
        if request is None:
            return
        fault = self._pick()
        if fault is Fault.DROP:
            return  # the handler closes the socket: no reply at all
        if fault is Fault.RESET:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault is Fault.ERROR_500:
            connection.sendall(_reply(500, "Internal Server Error", b'{"detail":"boom"}'))
            return
        if fault is Fault.UNAVAILABLE_503:
            extra = [("Retry-After", str(self.retry_after_s))]
            connection.sendall(_reply(503, "Service Unavailable", b"", extra))
            return
        status, reason, headers, body = self._forward(request)
        if fault is Fault.LOST_REPLY:
            return
        if fault is Fault.SLOW:
            time.sleep(self.slow_s)  # the fault itself: a reply that takes its time
        raw = _reply(status, reason, body, headers)
        if fault is Fault.TRUNCATED:
            raw = raw[: len(raw) - max(1, len(body) // 2)]
        connection.sendall(raw)

    def _forward(self, request: _Request) -> tuple[int, str, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(
            "127.0.0.1", self.upstream_port, timeout=UPSTREAM_DEADLINE_S
        )
        try:
            skip = {"host", "connection", "content-length"}
            headers = {k: v for k, v in request.headers if k.lower() not in skip}
            upstream.request(request.method, request.path, body=request.body, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in {"content-length", "connection", "transfer-encoding"}
            ]
            return response.status, response.reason, kept, body
        finally:
            upstream.close()


def _reply(
    status: int, reason: str, body: bytes, headers: list[tuple[str, str]] | None = None
) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body
