"""`kiosk sync status|now|quarantine|requeue`: the technician's view of the outbox."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from core.errors import CommandFailed
from kiosk.cli.options import CONFIG, JSON, load_settings
from kiosk.config_base import KioskPaths, resolve_paths
from kiosk.logs import configure_logging

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.store import KioskStore


def add_parser(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser(
        "sync",
        help="the queue of applications for the backend",
        description="Inspect or drain the outbox; look at and re-queue quarantined "
        "applications (the ones the backend refused).",
    )
    sync_commands = sync.add_subparsers(dest="sync_command", required=True, metavar="ACTION")
    status = sync_commands.add_parser(
        "status",
        parents=[JSON, CONFIG],
        help="pending and quarantined applications, last success and error, clock skew",
        description="Show online, pending, quarantined, last_success, last_error, "
        "next_attempt, catalog_version, catalog_error, catalog_next_pull, clock_skew_s, "
        "last_heartbeat and heartbeat_error.",
    )
    status.set_defaults(handler=_status)
    now = sync_commands.add_parser(
        "now",
        parents=[CONFIG],
        help="send the queued applications now",
        description="Send queued applications to the backend now, even while backing off.",
    )
    now.set_defaults(handler=_now)
    quarantine = sync_commands.add_parser(
        "quarantine",
        parents=[JSON, CONFIG],
        help="list the applications the backend refused, with the reasons",
        description="List quarantined applications: id, reception number, procedure, "
        "attempts and the backend's reason (no personal data).",
    )
    quarantine.set_defaults(handler=_quarantine)
    requeue = sync_commands.add_parser(
        "requeue",
        parents=[CONFIG],
        help="put quarantined applications back in the queue",
        description="Put one quarantined application (by ID) or --all of them back in the "
        "queue, once the cause is fixed; they are sent with the next round.",
    )
    which = requeue.add_mutually_exclusive_group(required=True)
    which.add_argument("application_id", nargs="?", metavar="ID")
    which.add_argument("--all", action="store_true")
    requeue.set_defaults(handler=_requeue)


@contextmanager
def _kiosk_store(args: argparse.Namespace) -> Iterator[tuple[Settings, KioskPaths, KioskStore]]:
    """This kiosk's settings, folders and store (opened as the kiosk opens it), closed after."""
    from kiosk import wiring

    paths = resolve_paths()
    settings = load_settings(args.config)
    configure_logging(paths.log_dir, settings.log_level)
    store = wiring.open_store(settings, paths)
    try:
        yield settings, paths, store
    finally:
        store.close()


def _now(args: argparse.Namespace) -> int:
    from kiosk.cli.local_backend import sync_client

    with _kiosk_store(args) as (settings, paths, store):
        report = sync_client(settings, paths, store).drain_once()
        counts = store.sync_counts()
    print(
        f"sent {report.sent}, duplicates {report.duplicates}, quarantined "
        f"{report.quarantined}; still queued {counts['queued']}"
    )
    if report.error:
        raise CommandFailed(f"kiosk sync now: stopped early: {report.error}")
    return 0


def _quarantine(args: argparse.Namespace) -> int:
    import dataclasses

    with _kiosk_store(args) as (_settings, _paths, store):
        items = store.quarantined()
    if args.json:
        rows = [dataclasses.asdict(item) for item in items]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for item in items:
        print(
            f"{item.application_id}  {item.reception_number}  {item.procedure_id}  "
            f"attempts {item.attempts}: {_printable(item.reason)}"
        )
    if not items:
        print("nothing in quarantine")
    return 0


def _requeue(args: argparse.Namespace) -> int:
    with _kiosk_store(args) as (_settings, _paths, store):
        count = store.requeue(None if args.all else args.application_id)
    if not count and not args.all:
        raise CommandFailed(f"kiosk sync requeue: no quarantined application {args.application_id}")
    print(f"re-queued {count}; they are sent with the next round (or: kiosk sync now)")
    return 0


def _status(args: argparse.Namespace) -> int:
    from kiosk.cli.doctor import Status, check_backend
    from kiosk.sync.status import sync_status

    with _kiosk_store(args) as (settings, _paths, store):
        backend = check_backend(settings)
        status = {"online": backend.status is Status.OK, "backend": backend.detail}
        status.update(sync_status(store))
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))  # JSON escapes controls
    else:
        for key, value in status.items():
            print(f"{key:>18}: {_printable(value)}")
    return 0


def _printable(value: object) -> str:
    """For a terminal: what a backend or a file name put in an error cannot move the cursor,
    clear the screen or retitle the window; a control character shows as its escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
