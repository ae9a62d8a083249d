"""Byte transports for serial devices and network printers, each call bounded by a deadline.

A device is named by a URL in the configuration:
  serial:///dev/serial/by-id/usb-EPSON_TM-T88V_1234-if00?baud=38400   (or just the path)
  tcp://192.0.2.10:9100                                               (network printers)
Serial ports are opened for exclusive use, so a second program cannot interleave its bytes.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

DEFAULT_BAUD = 9600
RAW_TCP_PORT = 9100
WRITE_CHUNK = 512  # small enough that a deadline is checked often on a slow line


class TransportError(OSError):
    """The device cannot be reached or stopped answering; worded for the technician."""


class TransportClosed(TransportError):
    pass


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "serial" | "tcp"
    target: str  # a device path, or host:port
    baud: int = DEFAULT_BAUD

    @property
    def url(self) -> str:
        if self.kind == "tcp":
            return f"tcp://{self.target}"
        return f"serial://{self.target}?baud={self.baud}"


def parse_endpoint(url: str) -> Endpoint:
    if url.startswith("/"):
        return Endpoint("serial", url)
    parts = urlsplit(url)
    if parts.scheme == "serial" and parts.path:
        query = parse_qs(parts.query)
        try:
            baud = int(query.get("baud", [DEFAULT_BAUD])[0])
        except ValueError:
            raise ValueError(f"{url}: baud must be a number") from None
        return Endpoint("serial", parts.path, baud)
    if parts.scheme == "tcp" and parts.hostname:
        return Endpoint("tcp", f"{parts.hostname}:{parts.port or RAW_TCP_PORT}")
    raise ValueError(
        f"{url!r} is not a device address; use serial:///dev/serial/by-id/…?baud=N, "
        "tcp://HOST:9100 or sim"
    )


class Transport(Protocol):
    endpoint: Endpoint

    def open(self, deadline_s: float) -> None: ...

    def close(self) -> None: ...

    @property
    def is_open(self) -> bool: ...

    def write(self, data: bytes, deadline_s: float) -> int: ...

    def read(self, size: int, deadline_s: float) -> bytes:
        """Whatever arrives (up to size bytes) before the deadline; b"" if nothing did."""
        ...

    def discard_input(self) -> None: ...


class SerialTransport:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._port = None

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self, deadline_s: float) -> None:
        import serial  # pyserial, imported where a serial device is actually used

        try:
            self._port = serial.Serial(
                self.endpoint.target,
                self.endpoint.baud,
                timeout=deadline_s,
                write_timeout=deadline_s,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as error:
            self._port = None
            raise TransportError(
                f"{self.endpoint.target}: cannot open ({_reason(error)})"
            ) from None

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(OSError):  # the cable is out; nothing left to release
                port.close()

    def _require(self):
        if self._port is None:
            raise TransportClosed(f"{self.endpoint.target}: not open")
        return self._port

    def write(self, data: bytes, deadline_s: float) -> int:
        import serial

        port = self._require()

        def send(chunk: bytes, remaining: float) -> int:
            port.write_timeout = remaining
            return port.write(chunk) or 0

        # No flush (tcdrain): it waits for the line with no deadline; replies are awaited with
        # the line time allowed for instead.
        return _send_all(
            self,
            data,
            deadline_s,
            send,
            serial.SerialTimeoutException,
            (serial.SerialException, OSError),
        )

    def read(self, size: int, deadline_s: float) -> bytes:
        import serial

        port = self._require()
        try:
            port.timeout = max(deadline_s, 0.0)
            return port.read(size)
        except (serial.SerialException, OSError) as error:
            self.close()
            raise TransportClosed(f"{self.endpoint.target}: lost ({_reason(error)})") from None

    def discard_input(self) -> None:
        port = self._require()
        try:
            port.reset_input_buffer()
        except OSError:
            self.close()


class TcpTransport:
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._socket: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._socket is not None

    def open(self, deadline_s: float) -> None:
        host, _, port = self.endpoint.target.rpartition(":")
        try:
            self._socket = socket.create_connection((host, int(port)), timeout=deadline_s)
        except OSError as error:
            raise TransportError(
                f"{self.endpoint.target}: cannot connect ({_reason(error)})"
            ) from None

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def _require(self) -> socket.socket:
        if self._socket is None:
            raise TransportClosed(f"{self.endpoint.target}: not connected")
        return self._socket

    def write(self, data: bytes, deadline_s: float) -> int:
        sock = self._require()

        def send(chunk: bytes, remaining: float) -> int:
            sock.settimeout(remaining)
            return sock.send(chunk)

        return _send_all(self, data, deadline_s, send, TimeoutError, OSError)

    def read(self, size: int, deadline_s: float) -> bytes:
        sock = self._require()
        try:
            sock.settimeout(max(deadline_s, 0.001))
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as error:
            self.close()
            raise TransportClosed(f"{self.endpoint.target}: lost ({_reason(error)})") from None
        if not data:
            self.close()
            raise TransportClosed(f"{self.endpoint.target}: the printer closed the connection")
        return data

    def discard_input(self) -> None:
        sock = self._require()
        sock.setblocking(False)
        try:
            while sock.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            sock.setblocking(True)


def _send_all(
    transport: SerialTransport | TcpTransport,
    data: bytes,
    deadline_s: float,
    send: Callable[[bytes, float], int],
    timed_out: type[BaseException],
    lost: type[BaseException] | tuple[type[BaseException], ...],
) -> int:
    """Write in chunks, checking the one deadline between them; a lost line closes the port."""
    target = transport.endpoint.target
    end = time.monotonic() + deadline_s
    sent = 0
    try:
        while sent < len(data):
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise TransportError(f"{target}: write deadline passed after {sent} bytes")
            sent += send(data[sent : sent + WRITE_CHUNK], remaining)
    except timed_out:
        raise TransportError(f"{target}: write deadline passed after {sent} bytes") from None
    except TransportError:
        raise
    except lost as error:
        transport.close()
        raise TransportClosed(f"{target}: lost after {sent} bytes ({_reason(error)})") from None
    return sent


def transport_for(endpoint: Endpoint) -> Transport:
    return TcpTransport(endpoint) if endpoint.kind == "tcp" else SerialTransport(endpoint)


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text.splitlines()[0]
