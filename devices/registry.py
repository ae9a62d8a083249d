"""Build device drivers from configuration URLs ("sim" is just one more value)."""

from __future__ import annotations

from pathlib import Path

from devices.printer import ReceiptPrinter
from devices.sim_printer import SimulatedPrinter


class DeviceConfigError(ValueError):
    pass


def build_printer(url: str, sim_output_dir: Path) -> ReceiptPrinter:
    if url == "sim":
        return SimulatedPrinter(sim_output_dir)
    raise DeviceConfigError(
        f"printer {url!r}: only the simulator ('sim') is available in this version"
    )
