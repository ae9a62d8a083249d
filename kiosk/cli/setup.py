"""`kiosk setup enroll URL CODE`: the scripted form of the setup wizard's connection step.

Exit status: 0 enrolled; 2 the code or the input was refused (nothing written, a new code or
a corrected input is needed); 1 the backend could not be reached or answered something that
is not an enrollment (nothing written, the code is still unused: try again). Each failure is
one plain line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import CommandFailed
from kiosk.cli.options import CONFIG
from kiosk.config_base import read_values, resolve_paths
from kiosk.logs import configure_logging


def add_parser(commands: argparse._SubParsersAction) -> None:
    setup = commands.add_parser(
        "setup",
        help="set this kiosk up: setup enroll URL CODE",
        description="Set this kiosk up from the command line (the setup wizard does the same "
        "on the touch screen).",
    )
    actions = setup.add_subparsers(dest="setup_command", required=True, metavar="ACTION")
    enroll = actions.add_parser(
        "enroll",
        parents=[CONFIG],
        help="connect to the backend with a one-time enrollment code",
        description="Exchange a one-time code (kiosk backend kiosk enroll on the backend) for "
        "this kiosk's token, id, reception letter, municipality and the sealing key's "
        "fingerprint. The token goes to a file only this user can read (backend-token in the "
        "data folder); backend_url, kiosk_id, kiosk_letter, municipality and "
        "seal_key_fingerprint go into kiosk.toml, keeping everything else in it. Then the "
        "catalog is pulled. Exit 0 enrolled, 2 code or input refused, 1 backend unreachable.",
    )
    enroll.add_argument("url", metavar="URL", help="the backend's base URL, e.g. https://…")
    enroll.add_argument("code", metavar="CODE", help="the code, e.g. 7KQ3M-XW9TC")
    enroll.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="seconds to wait for the backend (default 15)",
    )
    enroll.set_defaults(handler=_enroll)


def _enroll(args: argparse.Namespace) -> int:
    from kiosk.enrollment import EnrollmentFailed, enroll

    paths = resolve_paths()
    paths.create()
    configure_logging(paths.log_dir)
    config_file = args.config or paths.config_file
    # The CA bundle of the settings so far: a municipality's own CA must verify the backend.
    known = read_values(["ca_bundle"], config_file if config_file.is_file() else None)
    ca_bundle = Path(known["ca_bundle"]) if known.get("ca_bundle") else None
    if not 0 < args.timeout <= 120:
        raise CommandFailed("kiosk setup enroll: --timeout must be between 0 and 120 seconds")
    try:
        done = enroll(
            args.url, args.code, paths, config_file, timeout_s=args.timeout, ca_bundle=ca_bundle
        )
    except EnrollmentFailed as error:
        print(f"kiosk setup enroll: {error}", file=sys.stderr)
        return 1 if error.network else 2
    print(
        f"enrolled: kiosk {done.kiosk_id}, reception letter {done.kiosk_letter}, "
        f"municipality {done.municipality}"
    )
    print(f"backend: {done.backend_url}")
    print(f"sealing key fingerprint: {done.seal_key_fingerprint} (matches the profile)")
    print(f"token: {done.token_file} (readable by this user only)")
    print(
        f"settings: {done.config_file} (backend_url, kiosk_id, kiosk_letter, municipality, "
        "seal_key_fingerprint; everything else kept)"
    )
    if done.removed_backend_token:
        print("settings: the backend_token written there by hand was removed (the new one wins)")
    print(f"catalog: {_pull_catalog(config_file)}")
    return 0


def _pull_catalog(config_file: Path) -> str:
    """The first catalog pull with the new token, so the kiosk starts with its municipality's
    procedures; a failure is said, and the running kiosk pulls it later."""
    from kiosk import wiring
    from kiosk.config_writer import check
    from kiosk.sync.catalog_pull import CatalogPuller
    from kiosk.sync.http import BackendHttp
    from kiosk.sync.token_file import TokenFile

    paths = resolve_paths()
    # As the file now holds them (keys it does not know are the technician's to sort out).
    settings = check(config_file.read_text(encoding="utf-8"))
    store = wiring.open_store(settings, paths)
    try:
        http = BackendHttp(settings, token_source=TokenFile(paths.backend_token_file))
        outcome = CatalogPuller(settings, paths, store, http).pull()
    finally:
        store.close()
    if outcome.error:
        return f"not pulled now ({outcome.error}); the kiosk pulls it when it runs"
    return f"version {(outcome.version or '')[:12]} pulled; used from the next start"
