"""`kiosk support bundle -o FILE.zip`: what support needs to diagnose this kiosk, in one zip,
without a token, the PIN hash, a key or anything a resident entered (kiosk/support_bundle.py).

Runs beside a running kiosk: the database is only read, read-only; devices are not opened.
Exit 0 with the bundle's path on stdout; 1 with one plain line when it could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.options import CONFIG, load_settings
from kiosk.config_base import ConfigError, resolve_paths


def add_parser(commands: argparse._SubParsersAction) -> None:
    support = commands.add_parser(
        "support",
        help="help for support: support bundle -o FILE.zip",
        description="Collect what support needs to diagnose this kiosk.",
    )
    actions = support.add_subparsers(dest="support_command", required=True, metavar="ACTION")
    bundle = actions.add_parser(
        "bundle",
        parents=[CONFIG],
        help="write a zip of versions, doctor, settings, devices, sync state and recent logs",
        description="Write a zip for support: versions, `kiosk doctor --json`, kiosk.toml "
        "and the effective settings with secrets removed, device settings and print "
        "outcomes, sync status and quarantine reasons, and the end of the newest log files. "
        "Never the backend token, the PIN hash, a private key, the database or anything a "
        "resident entered. Works with a damaged or missing database and with an invalid "
        "kiosk.toml (the bundle says so).",
    )
    bundle.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE.zip",
        help="the zip to write (an existing folder: a madoguchi-support-<kiosk>-<time>.zip in it)",
    )
    bundle.set_defaults(handler=_bundle)


def _bundle(args: argparse.Namespace) -> int:
    from kiosk.support_bundle import SupportBundleError, bundle_name, collect, write_zip

    paths = resolve_paths()
    config_file = args.config or paths.config_file
    settings, problem = None, None
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        problem = str(error)  # a broken kiosk.toml is when support is needed most

    def doctor() -> list[dict]:
        from kiosk.cli.doctor import run_checks

        return [check.as_dict() for check in run_checks(settings, paths)]

    target = args.output
    if target.is_dir():
        target = target / bundle_name(settings.kiosk_id if settings else "unknown")
    try:
        entries = collect(
            paths,
            settings,
            doctor=doctor,
            config_file=config_file,
            settings_problem=problem,
        )
        written = write_zip(target, entries)
    except SupportBundleError as error:
        print(f"kiosk support: {error}", file=sys.stderr)
        return 1
    print(written)
    return 0
