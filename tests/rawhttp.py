"""HTTP/1.1 by hand, for the tests of the backend's door (tests/test_backend_limits.py …):
requests cannot declare a gigabyte it never sends, send a body a byte at a time, or tell when
the server closed. Every socket here has a timeout."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 10.0
MiB = 1024 * 1024


def head(
    method: str,
    path: str,
    *,
    token: str | None = None,
    length: int | None = None,
    chunked: bool = False,
    extra: dict[str, str] | None = None,
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: backend", "Content-Type: application/json"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def connect(port: int, timeout_s: float = TIMEOUT_S) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout_s)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def read_response(sock: socket.socket) -> Response:
    """One response (status, headers, a Content-Length body); the socket's timeout applies."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a whole response head: {data!r}")
        data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Response(int(status_line.split()[1]), headers, body[:length])


def send_until_closed(sock: socket.socket, chunk: bytes, cap: int) -> int:
    """Send chunk after chunk until the server closes the connection (→ bytes sent) or cap
    bytes went out unrefused (AssertionError). A server that neither reads nor closes makes
    sendall time out (socket.timeout), which fails the test too."""
    sent = 0
    while sent < cap:
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return sent
        sent += len(chunk)
    raise AssertionError(f"the server took {sent} bytes without closing")


def wait_closed(sock: socket.socket, deadline_s: float) -> float:
    """Seconds until the server closed the connection (EOF or reset); AssertionError after
    deadline_s. Whatever the server sends before closing is read and dropped."""
    started = time.monotonic()
    sock.settimeout(deadline_s)
    try:
        while sock.recv(65536):
            if time.monotonic() - started > deadline_s:
                raise AssertionError(f"still open after {deadline_s} s")
    except ConnectionResetError:
        pass
    except TimeoutError as error:
        raise AssertionError(f"still open after {deadline_s} s") from error
    return time.monotonic() - started


@dataclass(frozen=True)
class Memory:
    rss_kib: int
    peak_kib: int  # VmHWM: the most the process ever had resident


def memory(pid: int) -> Memory:
    """The resident set of process pid, now and at its peak, from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(value.split()[0])
    return Memory(values["VmRSS"], values["VmHWM"])
