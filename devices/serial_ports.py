"""The serial ports of this machine by identity: the /dev/serial/by-id name a port keeps across
reboots and replugs, its vendor and product, for `kiosk devices list` and the setup wizard.

A port with no by-id name (a built-in UART, a pseudo-terminal) is listed all the same, marked
without a stable name: its /dev/ttyUSB0-style name may change at the next boot, so the wizard
warns before using it. Extra candidate paths (a socat pty for a test or a demo, which neither
the kernel's list nor by-id knows) come from the `extra` argument or from the
MADOGUCHI_EXTRA_SERIAL_PORTS variable (paths separated by ':').

Qt-free and quick: list_ports reads sysfs, nothing is opened.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

BY_ID = Path("/dev/serial/by-id")
EXTRA_PORTS_VARIABLE = "MADOGUCHI_EXTRA_SERIAL_PORTS"


@dataclass(frozen=True)
class SerialPort:
    device: str  # the kernel's name, e.g. /dev/ttyUSB0 (or the extra path as given)
    stable_name: str | None  # /dev/serial/by-id/… when there is one
    vendor_product: str | None  # "04b8:0202"
    serial_number: str | None
    description: str  # the product as the port reports it, e.g. "TM-T88V"
    manufacturer: str | None = None

    @property
    def path(self) -> str:
        """The path to write in kiosk.toml: the stable name whenever there is one."""
        return self.stable_name or self.device

    @property
    def has_stable_name(self) -> bool:
        return self.stable_name is not None

    def as_dict(self) -> dict:
        return asdict(self)


def extra_candidates(environ: dict[str, str] | None = None) -> list[str]:
    value = (os.environ if environ is None else environ).get(EXTRA_PORTS_VARIABLE, "")
    return [part for part in value.split(":") if part]


def list_serial_ports(
    extra: list[str] | tuple[str, ...] = (), by_id: Path = BY_ID
) -> list[SerialPort]:
    """Every serial port the kernel knows, then the extra candidates that exist (each once)."""
    from serial.tools import list_ports

    stable: dict[str, str] = {}
    if by_id.is_dir():
        stable = {str(link.resolve()): str(link) for link in sorted(by_id.iterdir())}
    ports = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        ports.append(
            SerialPort(
                device=port.device,
                stable_name=stable.get(port.device),
                vendor_product=f"{port.vid:04x}:{port.pid:04x}" if port.vid else None,
                serial_number=port.serial_number,
                description=port.product or port.description or "",
                manufacturer=port.manufacturer,
            )
        )
    known = {port.device for port in ports}
    for path in [*extra, *extra_candidates()]:
        if path in known or not Path(path).exists():
            continue
        known.add(path)
        target = str(Path(path).resolve())
        ports.append(SerialPort(path, stable.get(target), None, None, "extra candidate"))
    return ports


def describe(port: SerialPort) -> str:
    """One line for a person: name, ids and product."""
    name = port.stable_name or f"{port.device} (no stable name: use by-id when possible)"
    ids = " ".join(part for part in (port.vendor_product, port.serial_number) if part)
    return "  ".join(part for part in (name, ids, port.description) if part)
