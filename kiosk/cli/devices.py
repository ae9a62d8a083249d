"""`kiosk devices …`: the technician's tools for printers, scanners and card readers.

kiosk devices list [--json]                      ports, their identities, roles and states
kiosk devices test printer [--port URL] [--text TEXT]
kiosk devices test scanner [--port URL] [--timeout S]
kiosk devices reprint [--application ID]         the last receipt again, marked 再発行
kiosk devices emulate printer|scanner|card …     emulators for demos and tests
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from datetime import datetime

from core.errors import CommandFailed
from kiosk.cli.options import CONFIG, JSON, load_settings
from kiosk.config_base import resolve_paths

EMULATORS = {
    "printer": "devices.emulators.printer_emulator",
    "scanner": "devices.emulators.scanner_emulator",
    "card": "devices.emulators.card_emulator",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    devices = commands.add_parser(
        "devices",
        help="receipt printer, QR scanner and card reader: list, test, emulate",
        description="Technician tools for the kiosk's devices.",
    )
    actions = devices.add_subparsers(dest="devices_command", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        parents=[JSON, CONFIG],
        help="serial ports with their stable names, configured roles and states",
        description="List serial ports (with their /dev/serial/by-id names, vendor, product "
        "and serial number) and each configured device with its state.",
    )
    listing.set_defaults(handler=_list)

    test = actions.add_parser("test", help="exercise one device", description="Test a device.")
    kinds = test.add_subparsers(dest="device", required=True, metavar="DEVICE")
    printer = kinds.add_parser(
        "printer",
        parents=[CONFIG],
        help="print a test receipt: kanji, a QR code, a ruler and TEXT",
        description="Print a test receipt with kanji, a QR code, a 48-column ruler and TEXT.",
    )
    printer.add_argument("--port", metavar="URL", help="instead of the configured printer")
    printer.add_argument("--text", default="", help="printed on its own line (𠮷 and all)")
    printer.add_argument("--model", choices=("tm-t88", "tm-m30", "generic"))
    printer.set_defaults(handler=_test_printer)
    scanner = kinds.add_parser(
        "scanner",
        parents=[CONFIG],
        help="wait for one scan and show it",
        description="Wait for one scan.",
    )
    scanner.add_argument("--port", metavar="URL", help="instead of the configured scanner")
    scanner.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    scanner.set_defaults(handler=_test_scanner)
    card = kinds.add_parser(
        "card",
        parents=[JSON],
        help="read a TEST card's basic four items",
        description="Read the basic four items from a test card (never a resident's).",
    )
    card.add_argument("--pin", required=True, help="the test card's 4-digit PIN")
    card.set_defaults(handler=_test_card)

    reprint = actions.add_parser(
        "reprint",
        parents=[CONFIG],
        help="print the last receipt (or one application's) again, marked 再発行",
        description="Reprint a kept receipt from the journal, marked 再発行.",
    )
    reprint.add_argument("--application", metavar="ID")
    reprint.set_defaults(handler=_reprint)

    emulate = actions.add_parser(
        "emulate",
        help="run a device emulator (printer, scanner, card); --help after the kind for options",
        description="Run a device emulator as this process; options follow the kind.",
    )
    emulate.add_argument("kind", choices=sorted(EMULATORS))
    emulate.add_argument("options", nargs=argparse.REMAINDER)
    emulate.set_defaults(handler=_emulate)


def _emulate(args: argparse.Namespace) -> int:
    import importlib

    # The emulators parse their own options, so each stays runnable as `python -m`.
    return importlib.import_module(EMULATORS[args.kind]).main(args.options)


def serial_ports() -> list[dict]:
    """The ports by identity (devices.serial_ports, shared with the setup wizard)."""
    from devices.serial_ports import list_serial_ports

    return [_port_row(port) for port in list_serial_ports()]


def _port_row(port) -> dict:
    keys = ("device", "stable_name", "vendor_product", "serial_number", "description")
    return {key: getattr(port, key) for key in keys}


def _list(args: argparse.Namespace) -> int:
    from devices.registry import build_printer, build_scanner
    from devices.serial_ports import describe, list_serial_ports

    settings = load_settings(args.config)
    paths = resolve_paths()
    printer = build_printer(settings.printer, paths.printer_output, settings.printer_model)
    printer.open()
    roles = [
        {
            "role": "printer",
            "url": settings.printer,
            "model": settings.printer_model,
            **_status(printer.status()),
        }
    ]
    printer.close()
    scanner = build_scanner(settings.scanner, lambda scan: None, lambda problem: None)
    if scanner is not None:
        roles.append({"role": "scanner", "url": settings.scanner, **_scanner_state(scanner)})
    ports = list_serial_ports()
    report = {"ports": [_port_row(port) for port in ports], "roles": roles}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print("serial ports:" if report["ports"] else "serial ports: none found")
    for port in ports:
        print(f"  {describe(port)}")
    print("configured devices:")
    for role in roles:
        conditions = ", ".join(role["conditions"]) or "-"
        print(f"  {role['role']:<8} {role['url'] or '(none)'}  {role['state']}  {conditions}")
        if role.get("detail"):
            print(f"           {role['detail']}")
    return 0


def _status(status) -> dict:
    return {
        "state": status.state.value,
        "conditions": sorted(status.conditions),
        "detail": status.detail,
    }


def _scanner_state(scanner) -> dict:
    """Open the scanner's port once (a serial scanner says nothing until something is scanned)."""
    from devices.device_state import DeviceState, DeviceStatus
    from devices.transport import TransportError

    transport = getattr(scanner, "transport", None)
    if transport is None:
        return _status(scanner.status())
    try:
        transport.open(1.0)
    except TransportError as error:
        return _status(DeviceStatus(DeviceState.ERROR, frozenset({"not_connected"}), str(error)))
    transport.close()
    return _status(DeviceStatus(DeviceState.READY))


def _test_printer(args: argparse.Namespace) -> int:
    from devices.printer import PrintOutcome
    from devices.registry import DeviceConfigError, build_printer
    from kiosk.setup_wizard_devices import technician_receipt

    settings = load_settings(args.config)
    url = args.port or settings.printer
    paths = resolve_paths()
    try:
        printer = build_printer(url, paths.printer_output, args.model or settings.printer_model)
    except DeviceConfigError as error:
        raise CommandFailed(f"kiosk devices test printer: {error}") from None
    printer.open()
    try:
        receipt = technician_receipt(settings.kiosk_id, args.text, datetime.now())
        result = printer.print_receipt(receipt, 30.0)
    finally:
        printer.close()
    conditions = ", ".join(sorted(result.conditions)) or "none"
    print(f"printer {url}: {result.outcome.value}; conditions: {conditions}")
    if result.detail:
        print(f"  {result.detail}")
    if result.artifact:
        print(f"  printed to {result.artifact}")
    return 0 if result.outcome is PrintOutcome.COMPLETED else 1


def _test_scanner(args: argparse.Namespace) -> int:
    from devices.registry import DeviceConfigError, build_scanner

    settings = load_settings(args.config)
    url = args.port or settings.scanner
    if not url:
        raise CommandFailed("kiosk devices test scanner: no scanner configured; use --port")
    scans: queue.Queue = queue.Queue()
    try:
        scanner = build_scanner(url, scans.put, lambda problem: scans.put(problem))
    except DeviceConfigError as error:
        raise CommandFailed(f"kiosk devices test scanner: {error}") from None
    scanner.start()
    print(f"scanner {url}: scan a code within {args.timeout:.0f} s", flush=True)
    try:
        got = scans.get(timeout=args.timeout)
    except queue.Empty:
        print(f"scanner {url}: nothing scanned in {args.timeout:.0f} s", file=sys.stderr)
        return 1
    finally:
        scanner.stop()
    if isinstance(got, str):
        print(f"scanner {url}: unreadable scan: {got}", file=sys.stderr)
        return 1
    print(f"scanned ({got.encoding}): {got.text}")
    return 0


def _test_card(args: argparse.Namespace) -> int:
    """Reads a TEST card and prints its basic four items: this is the one place the kiosk
    shows them outside a resident's own session, so the output says it is for test cards."""
    from core.wareki import to_wareki
    from devices.mynumber import CardReadError, read_card

    try:
        four = read_card(args.pin, deadline_s=15.0)
    except ValueError as error:
        raise CommandFailed(f"kiosk devices test card: {error}") from None
    except CardReadError as error:
        print(f"card: {error.failure.value}: {error}", file=sys.stderr)
        return 1
    items = {
        "name": four.name,
        "address": four.address,
        "birth_date": four.birth_date.isoformat(),
        "birth_date_wareki": to_wareki(four.birth_date),
        "sex": four.sex.name.lower(),
    }
    if args.json:
        print(json.dumps({"test_card_only": True, **items}, ensure_ascii=False, indent=2))
    else:
        print("TEST CARD ONLY: never run this with a resident's card.")
        for key, value in items.items():
            print(f"{key:>18}: {value}")
    return 0


def _reprint(args: argparse.Namespace) -> int:
    from kiosk.cli.local_backend import build_services

    settings = load_settings(args.config)
    services = build_services(settings, resolve_paths())
    try:
        job = services.reprint(args.application)
        if job is None:
            raise CommandFailed("kiosk devices reprint: no receipt has been printed yet")
        result = job.result(timeout=60)
    finally:
        services.close()
    print(f"reprint: {result.outcome.value} {result.detail}")
    return 0 if result.outcome.value == "completed" else 1
