"""The `kiosk` command: the GUI, the demo, the tour, and the technician's tools.

Every subcommand has --help, exits 0 on success and non-zero with a one-line reason on failure.
Qt is imported only by the commands that show or render screens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from core import __version__
from core.catalog import CatalogError
from core.sealing import SealingError
from kiosk.cli import devices as devices_cli
from kiosk.cli import simulate as simulate_cli
from kiosk.cli import sync as sync_cli
from kiosk.cli.errors import CommandFailed
from kiosk.config import (
    ConfigError,
    KioskPaths,
    Profile,
    TextSize,
    Theme,
    load_settings,
    resolve_paths,
)
from kiosk.headless import HeadlessError
from kiosk.logs import configure_logging
from kiosk.store import StoreError

EXPECTED_ERRORS = (ConfigError, CatalogError, SealingError, StoreError, HeadlessError, OSError)


def _vnc_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vnc",
        nargs="?",
        type=int,
        const=5900,
        metavar="PORT",
        help="serve the kiosk over VNC on 127.0.0.1:PORT (default 5900) from a virtual screen "
        "instead of a display",
    )
    parser.add_argument(
        "--vnc-listen-all",
        action="store_true",
        help="with --vnc: use Qt's own VNC plugin instead, which listens on every network "
        "interface with no password (trusted networks only)",
    )


def _gui_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=[p.value for p in Profile],
        help="kiosk: 1920x1080 fullscreen; phone: 390x844 for smartphone classes",
    )
    parser.add_argument(
        "--practice",
        action="store_true",
        default=None,
        help="mark every screen and receipt 練習/PRACTICE; nothing is sent",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="a kiosk.toml to use")
    _vnc_argument(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Madoguchi (窓口): self-service kiosk for municipal counters."
    )
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="start the kiosk GUI (fullscreen)",
        description="Start the kiosk GUI with the configured devices.",
    )
    _gui_arguments(run)

    demo = commands.add_parser(
        "demo",
        help="start the GUI with simulated devices and demo data",
        description="Start the kiosk in a window with a simulated printer, an embedded SQLite "
        "store and a local sealing key; data goes to the 'demo' folder of the "
        "kiosk's data directory (or KIOSK_HOME).",
    )
    _gui_arguments(demo)
    demo.add_argument(
        "--backend-after",
        type=float,
        default=0,
        metavar="SECONDS",
        help="start the local backend this long after the kiosk (default: at once), to watch "
        "applications wait in the queue and then drain",
    )

    tour = commands.add_parser(
        "tour",
        help="render every screen of a scripted walk-through to PNG files",
        description="Render every screen offscreen to OUTDIR/NN-name.png (no display needed, "
        "nothing written outside OUTDIR).",
    )
    tour.add_argument("outdir", type=Path)
    tour.add_argument("--profile", choices=[p.value for p in Profile], default="kiosk")
    tour.add_argument("--theme", choices=[t.value for t in Theme], default="standard")
    tour.add_argument("--text-size", choices=[s.value for s in TextSize], default="standard")
    tour.add_argument("--language", default="ja")
    tour.add_argument("--practice", action="store_true")

    doctor = commands.add_parser(
        "doctor",
        help="check fonts, Qt libraries, display, ports, pcscd and the backend",
        description="Check what the kiosk needs; print each problem with how to fix it. "
        "Exits 1 when anything fails.",
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.add_argument("--config", type=Path, metavar="FILE")

    bench = commands.add_parser(
        "bench",
        help="run the benchmarks and write BENCHMARKS.md",
        description="Measure each benchmark against a baseline in the same run; print ratios "
        "and write the table to BENCHMARKS.md (or --output).",
    )
    bench.add_argument("--output", type=Path, default=Path("BENCHMARKS.md"))
    bench.add_argument("--repeat", type=int, default=7, help="runs per side (median is kept)")
    bench.add_argument("--json", action="store_true")

    backend = commands.add_parser(
        "backend",
        help="the reference sync backend",
        description="Run or administer the reference backend.",
    )
    backend_commands = backend.add_subparsers(
        dest="backend_command", required=True, metavar="ACTION"
    )

    def backend_place(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data",
            type=Path,
            help="backend data folder: keys, SQLite database, local kiosk tokens "
            "(default: 'backend' in the kiosk data directory)",
        )
        parser.add_argument(
            "--database",
            metavar="URL",
            help="database URL, e.g. postgresql+psycopg://user@host/madoguchi (default: "
            "$KIOSK_BACKEND_DATABASE_URL, else backend.sqlite3 in --data)",
        )

    def catalog_place(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--catalog",
            type=Path,
            metavar="DIR",
            help="catalog folder with procedures/, categories/, life_events/, municipalities/ "
            "(default: the shipped catalog)",
        )

    serve = backend_commands.add_parser(
        "serve",
        help="serve the backend with uvicorn",
        description="Serve the reference backend (FastAPI under uvicorn). It creates its "
        "sealing key pair in --data and brings the database schema up to date on start.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    backend_place(serve)
    catalog_place(serve)
    token = backend_commands.add_parser(
        "token",
        help="create or revoke a bearer token: token create|revoke kiosk|staff NAME",
        description="'token create kiosk|staff NAME' prints a new token once (only its hash is "
        "stored): a kiosk's NAME is its kiosk_id; put the token in that kiosk's configuration "
        "as backend_token. 'token revoke kiosk|staff NAME' invalidates all of NAME's tokens. "
        "'token KIOSK_ID' (the old form) prints the token of a kiosk on this same machine, "
        "kept in DATA/local-kiosks/KIOSK_ID.token and created on first use.",
        usage="kiosk backend token (create|revoke {kiosk,staff} NAME | KIOSK_ID) [--data DIR] "
        "[--database URL]",
    )
    token.add_argument("words", nargs="+", metavar="create|revoke KIND NAME | KIOSK_ID")
    backend_place(token)
    backend_list = backend_commands.add_parser(
        "list",
        help="list received applications",
        description="List received applications, oldest received first (at most --limit).",
    )
    backend_list.add_argument("--json", action="store_true", help="print them as JSON")
    backend_list.add_argument("--status", choices=["受付済", "処理中", "完了"])
    backend_list.add_argument("--procedure", metavar="ID", help="only this procedure")
    backend_list.add_argument("--kiosk", metavar="KIOSK_ID", help="only from this kiosk")
    backend_list.add_argument("--since", metavar="T", help="received at or after T (ISO 8601)")
    backend_list.add_argument("--limit", type=int, default=1000)
    backend_place(backend_list)
    catalog_place(backend_list)
    show = backend_commands.add_parser(
        "show",
        help="show one application with its answers",
        description="Open one application with the municipality's private key and print its "
        "answers with the catalog's Japanese questions.",
    )
    show.add_argument("application_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    backend_place(show)
    catalog_place(show)
    backend_export = backend_commands.add_parser(
        "export",
        help="export applications as CSV or JSON Lines",
        description="One row per application: fixed metadata columns, then one 'answer.FIELD' "
        "column per field of the exported procedures (sorted by field id), then "
        "answers_other. CSV is UTF-8 with a BOM (Excel); jsonl is plain UTF-8.",
    )
    backend_export.add_argument("--since", metavar="T", help="received at or after T (ISO 8601)")
    backend_export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    backend_export.add_argument("--output", type=Path, metavar="FILE", help="default: stdout")
    backend_export.add_argument("--procedure", metavar="ID", help="only this procedure")
    backend_place(backend_export)
    catalog_place(backend_export)

    sync_cli.add_parser(commands)
    devices_cli.add_parser(commands)
    simulate_cli.add_parser(commands)

    technician = commands.add_parser(
        "technician",
        help="technician mode on the kiosk screen",
        description="Set up technician mode (five taps in the top-left corner, then the PIN).",
    )
    technician_actions = technician.add_subparsers(
        dest="technician_command", required=True, metavar="ACTION"
    )
    technician_actions.add_parser(
        "pin",
        help="make the hashed technician PIN line for kiosk.toml",
        description="Ask for a technician PIN (6 or more digits) twice and print the "
        "technician_pin_hash line for kiosk.toml. The PIN itself is stored nowhere.",
    )

    catalog = commands.add_parser(
        "catalog", help="the procedure catalog", description="Inspect and check the catalog."
    )
    catalog_commands = catalog.add_subparsers(
        dest="catalog_command", required=True, metavar="ACTION"
    )
    catalog_list = catalog_commands.add_parser(
        "list",
        help="list the procedures offered",
        description="List the procedures this municipality offers: id, version, category, "
        "number of pages and the title in every language.",
    )
    catalog_list.add_argument("--json", action="store_true")
    catalog_list.add_argument("--config", type=Path, metavar="FILE")
    check = catalog_commands.add_parser(
        "check",
        help="validate catalog files; exit 1 with every problem",
        description="Validate procedure, category, life-event and municipality files (or "
        "folders of them). Without PATH, check the whole catalog this kiosk would load.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.add_argument(
        "--translations",
        action="store_true",
        help="also list texts that would fall back to Japanese",
    )
    check.add_argument("--config", type=Path, metavar="FILE")
    return parser


def _demo_paths() -> KioskPaths:
    """KIOSK_HOME when set; otherwise a 'demo' folder apart from a real kiosk's data."""
    if os.environ.get("KIOSK_HOME"):
        return resolve_paths()
    root = resolve_paths().data_dir / "demo"
    return KioskPaths(root / "config", root / "data", root / "logs")


def _gui(args: argparse.Namespace, demo: bool) -> int:
    from kiosk import app
    from kiosk.cli import local_backend

    # From here until Qt's loop runs, SIGTERM/SIGINT wait (app.run_gui delivers them then),
    # so a stop during start-up still closes the store and stops the helper processes.
    signal.pthread_sigmask(signal.SIG_BLOCK, app.STOP_SIGNALS)

    paths = _demo_paths() if demo else resolve_paths()
    overrides = {"profile": args.profile, "practice": args.practice}
    if demo:
        kiosk_id = load_settings(args.config).kiosk_id
        overrides.update(local_backend.demo_settings_overrides(paths, kiosk_id))
    settings = load_settings(args.config, **overrides)
    log_file = configure_logging(paths.log_dir, settings.log_level)
    if args.vnc is None and not app.display_available():
        raise CommandFailed(app.headless_advice("demo" if demo else "run"))
    services = local_backend.build_services(settings, paths)
    print(f"kiosk: data in {paths.data_dir}, log in {log_file}", flush=True)
    local_backend = None
    if demo:
        from kiosk.cli.demo_backend import DelayedBackend, QueueReporter

        def say(line: str) -> None:
            print(line, flush=True)

        if settings.printer == "sim":
            say(f"kiosk: simulated receipts appear in {paths.printer_output}")
        services.events.subscribe(QueueReporter(say))
        local_backend = DelayedBackend(
            lambda: local_backend.start_demo_backend(paths, settings),
            services.sync_now,
            args.backend_after,
            say,
        )
        local_backend.begin()
    try:
        return _run_gui(app, services, settings, args, demo)
    finally:
        if local_backend is not None:
            local_backend.stop()


def _run_gui(app, services, settings, args: argparse.Namespace, demo: bool) -> int:
    return app.run_gui(
        services,
        fullscreen=not demo and settings.profile is Profile.KIOSK,
        vnc_port=args.vnc,
        vnc_listen_all=args.vnc_listen_all,
    )


def _tour(args: argparse.Namespace) -> int:
    from kiosk import app
    from kiosk.cli import local_backend

    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as scratch:
        root = Path(scratch)
        paths = KioskPaths(root / "config", root / "data", root / "logs")
        configure_logging(paths.log_dir)
        settings = load_settings(
            environ={},
            profile=args.profile,
            theme=args.theme,
            text_size=args.text_size,
            language=args.language,
            practice=args.practice,
            printer="sim",
            scanner="sim",  # so the tour shows the phone pre-entry button and screen
            card_reader="sim",  # and the card pages with the demo card
            seal_public_key=local_backend.demo_key(paths),
        )
        services = local_backend.build_services(settings, paths)
        try:
            written = app.render_tour(services, args.outdir)
        finally:
            services.close()
    for path in written:
        print(path)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from kiosk.cli.doctor import Status, run_checks

    paths = resolve_paths()
    settings = load_settings(args.config)
    checks = run_checks(settings, paths)
    if args.json:
        print(json.dumps([check.as_dict() for check in checks], ensure_ascii=False, indent=2))
    else:
        marks = {Status.OK: "ok  ", Status.WARN: "warn", Status.FAIL: "FAIL"}
        for check in checks:
            line = f"[{marks[check.status]}] {check.name}: {check.detail}"
            print(line + (f"\n       fix: {check.fix}" if check.fix else ""))
    return 1 if any(check.status is Status.FAIL for check in checks) else 0


def _bench(args: argparse.Namespace) -> int:
    from bench.runner import run_all

    return run_all(args.output, repeat=args.repeat, as_json=args.json)


def _backend_paths(data: Path | None):
    from backend.paths import BackendPaths

    return BackendPaths(data or resolve_paths().data_dir / "backend")


def _backend(args: argparse.Namespace) -> int:
    paths = _backend_paths(args.data)
    if args.backend_command != "serve":
        from backend.staff_cli import StaffCommandFailed, run

        try:
            return run(args, paths)
        except StaffCommandFailed as error:
            raise CommandFailed(f"kiosk backend {args.backend_command}: {error}") from error
    from backend.paths import database_url
    from backend.server import serve

    configure_logging(paths.root / "logs")
    where = database_url(paths, args.database).split("@")[-1]  # never print a password
    print(f"backend: data in {paths.root}; database {where}", flush=True)
    serve(paths, args.host, args.port, database=args.database, catalog_dir=args.catalog)
    return 0


def _catalog(args: argparse.Namespace) -> int:
    from core.catalog import CatalogError
    from core.catalog_files import check_paths, load_catalog
    from core.i18n import TITLE_LANGUAGES, UiText
    from core.translations import translation_gaps

    settings = load_settings(args.config)
    if args.catalog_command == "check":
        problems = check_paths(args.paths) if args.paths else []
        catalog = None
        try:
            catalog = load_catalog(settings.municipality, settings.catalog_dir)
        except CatalogError as error:
            if not args.paths:
                problems += error.problems
        for problem in problems:
            print(problem)
        if args.translations and catalog is not None:
            for gap in translation_gaps(catalog, UiText.load()):
                print(f"translation gap: {gap}")
        if problems:
            return 1
        checked = (
            ", ".join(str(path) for path in args.paths) or f"catalog of {settings.municipality}"
        )
        print(f"ok: {checked}" + (f" (version {catalog.content_version})" if catalog else ""))
        return 0
    catalog = load_catalog(settings.municipality, settings.catalog_dir)
    rows = [
        {
            "id": p.id,
            "version": p.version,
            "category": p.category,
            "pages": len(p.pages),
            "title": {lang: p.title.root.get(lang) for lang in TITLE_LANGUAGES},
        }
        for p in catalog.procedures()
    ]
    if args.json:
        print(
            json.dumps(
                {"content_version": catalog.content_version, "procedures": rows},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for row in rows:
            print(
                f"{row['id']:<16} v{row['version']}  {row['category']:<13} "
                f"{row['pages']:>2} pages  {row['title']['ja']}"
            )
        print(f"content version {catalog.content_version}")
    return 0


def _technician(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.technician import TechnicianPinError, hash_pin

    def ask(prompt: str) -> str:
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        return sys.stdin.readline().strip()  # for scripted installs: two lines on stdin

    pin = ask("technician PIN (6+ digits): ")
    if ask("again: ") != pin:
        raise CommandFailed("kiosk technician pin: the two PINs differ")
    try:
        line = f'technician_pin_hash = "{hash_pin(pin)}"'
    except TechnicianPinError as error:
        raise CommandFailed(f"kiosk technician pin: {error}") from None
    print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "run": lambda: _gui(args, demo=False),
        "demo": lambda: _gui(args, demo=True),
        "tour": lambda: _tour(args),
        "doctor": lambda: _doctor(args),
        "bench": lambda: _bench(args),
        "catalog": lambda: _catalog(args),
        "backend": lambda: _backend(args),
        "sync": lambda: sync_cli.run(args),
        "devices": lambda: devices_cli.run(args),
        "simulate": lambda: simulate_cli.run(args),
        "technician": lambda: _technician(args),
    }
    try:
        return handlers[args.command]()
    except CommandFailed as error:
        print(str(error), file=sys.stderr)
        return 2
    except EXPECTED_ERRORS as error:
        print(f"kiosk {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
