"""Build device drivers from configuration: role → driver + transport URL ("sim" is one more)."""

from __future__ import annotations

from pathlib import Path

from devices.escpos_printer import EscPosPrinter
from devices.printer import ReceiptPrinter
from devices.printer_models import model
from devices.scanner import ProblemHandler, ScanHandler, SerialScanner, SimulatedScanner
from devices.sim_printer import SimulatedPrinter
from devices.transport import parse_endpoint, transport_for


class DeviceConfigError(ValueError):
    pass


def build_printer(url: str, sim_output_dir: Path, model_id: str = "tm-t88") -> ReceiptPrinter:
    if url == "sim":
        return SimulatedPrinter(sim_output_dir)
    try:
        return EscPosPrinter(transport_for(parse_endpoint(url)), model(model_id))
    except ValueError as error:
        raise DeviceConfigError(f"printer: {error}") from None


def build_scanner(
    url: str, on_scan: ScanHandler, on_problem: ProblemHandler
) -> SerialScanner | SimulatedScanner | None:
    if not url:
        return None
    if url == "sim":
        return SimulatedScanner(on_scan, on_problem)
    try:
        endpoint = parse_endpoint(url)
    except ValueError as error:
        raise DeviceConfigError(f"scanner: {error}") from None
    if endpoint.kind != "serial":
        raise DeviceConfigError("scanner: only serial (USB-CDC) scanners are supported")
    return SerialScanner(transport_for(endpoint), on_scan, on_problem)
