"""`kiosk simulate residents N`: headless residents finalizing real procedures on this kiosk.

Uses the kiosk's own data directory and configuration (so its queue is the kiosk's queue), the
kiosk's own navigator over the same services the screens call (kiosk/simulate_walk.py: so the
usage figures come from where a real resident's do), and the sync worker as the kiosk runs it:
the applications drain to the backend while the residents keep coming, as on a busy morning.
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import CommandFailed
from kiosk.cli.options import CONFIG, load_settings
from kiosk.config_base import resolve_paths
from kiosk.logs import configure_logging

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.services import Services

# How long the last drain may take before the command gives up waiting (the queue is kept).
FINAL_DRAIN_DEADLINE_S = 60.0
# How long the printer may go without finishing a receipt before the command stops waiting.
PRINT_STALL_S = 30.0


def add_parser(commands: argparse._SubParsersAction) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="headless residents for load tests and demos",
        description="Simulate residents who complete real procedures on this kiosk.",
    )
    kinds = simulate.add_subparsers(dest="simulate_command", required=True, metavar="WHAT")
    residents = kinds.add_parser(
        "residents",
        parents=[CONFIG],
        help="N residents complete random procedures and finalize them",
        description="N headless residents each tap a random shipped procedure through the "
        "kiosk's navigator and finalize it, exactly as on the touch screen; some go back, "
        "change an answer, get one refused or call staff, and --abandon-rate of them walk "
        "away. Prints '<reception number> <application id>' per application as soon as it is "
        "saved (none for a resident who walked away).",
    )
    residents.add_argument("count", type=int, metavar="N")
    residents.add_argument(
        "--practice", action="store_true", help="practice mode: nothing is queued for sync"
    )
    residents.add_argument("--procedure", help="only this procedure id (default: all)")
    residents.add_argument(
        "--residents",
        type=Path,
        metavar="FILE",
        help="residents as JSON in shared/testdata's format (default: built-in residents)",
    )
    residents.add_argument("--seed", type=int, help="repeat the same residents and choices")
    residents.add_argument(
        "--abandon-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="the fraction of residents (0 to 1) who walk away at a random page; they "
        "finalize nothing and print no line (default: 0)",
    )
    residents.add_argument(
        "--no-sync", action="store_true", help="only queue; do not send to the backend"
    )
    residents.set_defaults(handler=_residents)


def _residents(args: argparse.Namespace) -> int:
    from kiosk.cli.local_backend import build_services

    if args.count < 1:
        raise CommandFailed("kiosk simulate residents: N must be 1 or more")
    paths = resolve_paths()
    settings = load_settings(args.config, practice=args.practice or None)
    configure_logging(paths.log_dir, settings.log_level)
    services = build_services(settings, paths)
    try:
        return _simulate(args, settings, services)
    finally:
        try:
            services.close()
        except Exception:  # a full disk may fail the close too; the reason is already out
            logging.getLogger(__name__).exception("closing the kiosk's services failed")


def _simulate(args: argparse.Namespace, settings: Settings, services: Services) -> int:
    from kiosk.events import ReceiptFailed, ReceiptPrinted
    from kiosk.simulate import SimulationError, load_residents
    from kiosk.simulate_walk import Behaviour

    if not services.accepting_applications():
        raise CommandFailed(
            "kiosk simulate residents: this kiosk accepts no real applications (no "
            "sealing key); use --practice or configure seal_public_key"
        )
    procedures = services.procedures()
    if args.procedure:
        procedures = [p for p in procedures if p.id == args.procedure]
        if not procedures:
            raise CommandFailed(f"kiosk simulate residents: no procedure '{args.procedure}'")
    try:
        behaviour = Behaviour(abandon_rate=args.abandon_rate)
    except ValueError as error:
        raise CommandFailed(f"kiosk simulate residents: --abandon-rate: {error}") from None
    printed = _Counter()

    def count_receipts(event) -> None:
        if isinstance(event, ReceiptPrinted | ReceiptFailed):
            printed.add()

    services.events.subscribe(count_receipts)
    try:
        residents = load_residents(args.residents)
    except SimulationError as error:
        raise CommandFailed(f"kiosk simulate residents: {error}") from None
    if not args.no_sync:
        services.start_sync()
    kiosk = _SimulatedKiosk(services)
    try:
        walks = kiosk.walk(args.count, procedures, residents, args.seed, behaviour)
    except SimulationError as error:
        if len(error.args) == 2:  # where the walk stopped, and why
            where, why = error.args
            raise CommandFailed(
                f"kiosk simulate residents: {where} (each line above is saved): {why}"
            ) from None
        raise CommandFailed(f"kiosk simulate residents: {error}") from None
    _wait_for_receipts(services, printed)
    kiosk.deliver()  # the receipts' outcomes, into the usage figures
    finished = sum(walk.application is not None for walk in walks)
    summary = f"simulated {len(walks)} residents"
    if finished != len(walks):
        summary += f" ({len(walks) - finished} walked away)"
    if not args.no_sync and not settings.practice:
        services.stop_sync()  # the last rounds run here, not twice over beside the worker
        queued = _drain(services)
        summary += f"; still queued for the backend: {queued}"
        usage = services.sync.send_usage()
        if usage.error:
            summary += f"; usage events kept for later ({usage.error})"
    print(summary, file=sys.stderr)
    return 0


class _SimulatedKiosk:
    """The Navigator on a simulated clock, with the bus's events handed to it between taps as
    the Qt bridge hands them to the window."""

    def __init__(self, services: Services) -> None:
        from kiosk.navigator import Navigator
        from kiosk.simulate_walk import SimulatedClock

        self.clock = SimulatedClock()
        self.navigator = Navigator(services, now=self.clock)
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        services.events.subscribe(self._inbox.put)

    def deliver(self) -> None:
        while True:
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                return
            self.navigator.on_event(event)

    def walk(self, count, procedures, residents, seed, behaviour):
        from kiosk.simulate_walk import walk_residents

        return walk_residents(
            count,
            self.navigator,
            self.clock,
            procedures,
            sys.stdout,
            residents=residents,
            seed=seed,
            behaviour=behaviour,
            deliver=self.deliver,
        )


class _Counter:
    """Counts from any thread (the printer's events arrive on the device thread)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.value += 1


def _wait_for_receipts(services: Services, printed: _Counter) -> None:
    """Wait for the printer to finish the receipts queued behind the residents, for as long
    as it keeps finishing them: a thousand simulated residents are faster than any printer,
    so a fixed deadline would give up on a printer that is merely busy."""
    while True:
        before = printed.value
        try:
            services.wait_for_devices(PRINT_STALL_S)
            return
        except TimeoutError:
            if printed.value == before:
                raise CommandFailed(
                    f"kiosk simulate residents: the printer finished no receipt in "
                    f"{PRINT_STALL_S:.0f} s; every application is saved, but not every "
                    "receipt was printed (reprint one from technician mode)"
                ) from None


def _drain(services) -> int:
    """Ask for sync rounds until the queue is empty, the backend stops answering, or time's up."""
    end = time.monotonic() + FINAL_DRAIN_DEADLINE_S
    while time.monotonic() < end:
        report = services.sync.drain_once()
        queued = services.store.sync_counts()["queued"]
        if queued == 0 or report.error:
            return queued
    return services.store.sync_counts()["queued"]
