"""The `kiosk` command: the GUI, the demo, the tour, and the technician's tools.

Every subcommand has --help, exits 0 on success and non-zero with a one-line reason on failure.
Each subcommand names its handler (`set_defaults(handler=...)`) and every level of subcommands
is required, so a typo or a missing word is argparse's error, never some default action.
Qt is imported only by the commands that show or render screens.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core import __version__
from core.errors import CommandFailed, plain
from kiosk.cli import backend as backend_cli
from kiosk.cli import devices as devices_cli
from kiosk.cli import gui
from kiosk.cli import names as names_cli
from kiosk.cli import setup as setup_cli
from kiosk.cli import simulate as simulate_cli
from kiosk.cli import support as support_cli
from kiosk.cli import sync as sync_cli
from kiosk.cli.options import CONFIG, JSON, load_settings
from kiosk.config_base import ConfigError, KioskPaths, Profile, TextSize, Theme, resolve_paths

# What main reports as one line with status 2 (with those of _loaded_errors): failures of the
# machine or its configuration (a full disk, a port in use), not bugs.
EXPECTED_ERRORS = (ConfigError, OSError)
# Errors of modules imported only by the commands that need them: `kiosk run` paints its
# window before the catalog, sealing or the store are imported, and `kiosk backend` runs where
# the kiosk's SQLite stack is not installed. An error of a module never imported cannot occur.
LOADED_ERRORS = {
    "core.catalog": "CatalogError",
    "core.sealing": "SealingError",
    "kiosk.headless": "HeadlessError",
    "kiosk.services": "ApplicationNotSaved",
    "kiosk.store": "StoreError",
    "sqlite3": "Error",  # "database or disk is full" and the like, where a store did not word it
}

# The options of the two commands that start the GUI (run and demo).
GUI = argparse.ArgumentParser(add_help=False, parents=[CONFIG])
GUI.add_argument(
    "--profile",
    choices=[p.value for p in Profile],
    help="kiosk: 1920x1080 fullscreen; phone: 390x844 for smartphone classes",
)
GUI.add_argument(
    "--practice",
    action="store_true",
    default=None,
    help="mark every screen and receipt 練習/PRACTICE; nothing is sent",
)
GUI.add_argument(
    "--vnc",
    nargs="?",
    type=int,
    const=5900,
    metavar="PORT",
    help="serve the kiosk over VNC on 127.0.0.1:PORT (default 5900) from a virtual screen "
    "instead of a display",
)
GUI.add_argument(
    "--vnc-listen-all",
    action="store_true",
    help="with --vnc: use Qt's own VNC plugin instead, which listens on every network "
    "interface with no password (trusted networks only)",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Madoguchi (窓口): self-service kiosk for municipal counters."
    )
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        parents=[GUI],
        help="start the kiosk GUI (fullscreen)",
        description="Start the kiosk GUI with the configured devices.",
    )
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo",
        parents=[GUI],
        help="start the GUI with simulated devices and demo data",
        description="Start the kiosk in a window with a simulated printer, an embedded SQLite "
        "store and a local sealing key; data goes to the 'demo' folder of the "
        "kiosk's data directory (or KIOSK_HOME).",
    )
    demo.add_argument(
        "--backend-after",
        type=float,
        default=0,
        metavar="SECONDS",
        help="start the local backend this long after the kiosk (default: at once), to watch "
        "applications wait in the queue and then drain",
    )
    demo.set_defaults(handler=_demo)

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
    tour.set_defaults(handler=_tour)

    doctor = commands.add_parser(
        "doctor",
        parents=[JSON, CONFIG],
        help="check fonts, Qt libraries, display, ports, pcscd and the backend",
        description="Check what the kiosk needs; print each problem with how to fix it. "
        "Exits 1 when anything fails.",
    )
    doctor.set_defaults(handler=_doctor)

    bench = commands.add_parser(
        "bench",
        parents=[JSON],
        help="run the benchmarks and write BENCHMARKS.md",
        description="Measure each benchmark against a baseline in the same run; print ratios "
        "and write the table to BENCHMARKS.md (or --output).",
    )
    bench.add_argument(
        "--output",
        type=Path,
        help="the table to write (default BENCHMARKS.md; with --only, none unless named)",
    )
    bench.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="run only these benchmarks, by the short names the bench prints (startup, "
        "catalog, receipt-bytes, receipt-time, card-prefill, ui-transition, ui-idle-cpu, "
        "ui-session-memory, finalize, drain-sqlite, drain-postgresql, console-queue, "
        "console-application, receipt-qr-size, form-pdf, preentry-page-weight, "
        "preentry-server-time, preentry-qr-payload, usage-insights-sqlite, "
        "usage-insights-postgresql, ui-usage-overhead, name-candidates, fleet; a wrong name "
        "lists them all)",
    )
    bench.add_argument("--repeat", type=int, default=7, help="runs per side (median is kept)")
    bench.set_defaults(handler=_bench)

    backend_cli.add_parser(commands)
    sync_cli.add_parser(commands)
    devices_cli.add_parser(commands)
    simulate_cli.add_parser(commands)
    setup_cli.add_parser(commands)
    support_cli.add_parser(commands)
    names_cli.add_parser(commands)

    technician = commands.add_parser(
        "technician",
        help="technician mode on the kiosk screen",
        description="Set up technician mode (five taps in the top-left corner, then the PIN).",
    )
    technician_actions = technician.add_subparsers(
        dest="technician_command", required=True, metavar="ACTION"
    )
    pin = technician_actions.add_parser(
        "pin",
        help="make the hashed technician PIN line for kiosk.toml",
        description="Ask for a technician PIN (6 or more digits) twice and print the "
        "technician_pin_hash line for kiosk.toml. The PIN itself is stored nowhere.",
    )
    pin.set_defaults(handler=_technician_pin)

    catalog = commands.add_parser(
        "catalog", help="the procedure catalog", description="Inspect and check the catalog."
    )
    catalog_commands = catalog.add_subparsers(
        dest="catalog_command", required=True, metavar="ACTION"
    )
    catalog_list = catalog_commands.add_parser(
        "list",
        parents=[JSON, CONFIG],
        help="list the procedures offered",
        description="List the procedures this municipality offers: id, version, category, "
        "number of pages and the title in every language.",
    )
    catalog_list.set_defaults(handler=_catalog_list)
    check = catalog_commands.add_parser(
        "check",
        parents=[CONFIG],
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
    check.set_defaults(handler=_catalog_check)
    diagram = catalog_commands.add_parser(
        "diagram",
        parents=[CONFIG],
        help="draw a procedure's flow (or a life event's) as SVG",
        description="Draw a procedure's pages and their conditions, ending in review and "
        "submission, as an SVG that prints on A4; with --life-event, a life event's questions "
        "and its procedures and counters in order.",
    )
    diagram.add_argument("id", metavar="ID", help="a procedure id (kiosk catalog list)")
    diagram.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.svg")
    diagram.add_argument(
        "--life-event", action="store_true", help="ID names a life event, not a procedure"
    )
    diagram.set_defaults(handler=_catalog_diagram)
    return parser


def _run(args: argparse.Namespace) -> int:
    return gui.run(args, demo=False)


def _demo(args: argparse.Namespace) -> int:
    return gui.run(args, demo=True)


def _tour(args: argparse.Namespace) -> int:
    import tempfile

    from kiosk import app
    from kiosk.cli import local_backend
    from kiosk.logs import configure_logging

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
    from bench.runner import UnknownBenchmark, run_all

    output = args.output or (None if args.only else Path("BENCHMARKS.md"))
    try:
        return run_all(output, repeat=args.repeat, as_json=args.json, only=args.only)
    except UnknownBenchmark as error:
        raise CommandFailed(f"kiosk bench: {error}") from error


def _catalog_check(args: argparse.Namespace) -> int:
    from core.catalog import CatalogError
    from core.catalog_files import check_paths, load_catalog
    from core.i18n import UiText
    from core.translations import translation_gaps

    settings = load_settings(args.config)
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
    checked = ", ".join(str(path) for path in args.paths) or f"catalog of {settings.municipality}"
    print(f"ok: {checked}" + (f" (version {catalog.content_version})" if catalog else ""))
    return 0


def _catalog_list(args: argparse.Namespace) -> int:
    from core.catalog_files import load_catalog
    from core.i18n import TITLE_LANGUAGES

    settings = load_settings(args.config)
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


def _catalog_diagram(args: argparse.Namespace) -> int:
    from core.catalog_files import load_catalog
    from core.flow_diagram import life_event_flow, procedure_diagram, render
    from core.i18n import UiText

    settings = load_settings(args.config)
    catalog = load_catalog(settings.municipality, settings.catalog_dir)
    procedures = catalog.all_procedures_by_id()
    known = catalog.life_events if args.life_event else procedures
    if args.id not in known:
        kind = "life event" if args.life_event else "procedure"
        raise CommandFailed(
            f"kiosk catalog diagram: '{args.id}' is not a {kind} in the catalog "
            f"(known: {', '.join(sorted(known))})"
        )
    if args.life_event:
        svg = render(
            life_event_flow(catalog.life_events[args.id], catalog.municipality, procedures)
        )
    else:
        titles = {pid: p.title.text("ja") for pid, p in procedures.items()}
        svg = procedure_diagram(procedures[args.id], UiText.load(), titles=titles)
    args.output.write_text(svg, encoding="utf-8")
    print(args.output)
    return 0


def _technician_pin(args: argparse.Namespace) -> int:
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
    try:
        return args.handler(args)
    except CommandFailed as error:
        print(failure_line(error, args.command), file=sys.stderr)
        return 2
    except EXPECTED_ERRORS + _loaded_errors() as error:
        print(f"kiosk {args.command}: {plain(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def failure_line(error: CommandFailed, command: str) -> str:
    """A CommandFailed as the line main prints: never empty, never a bare "…: " whose reason
    was an exception without a message (a TimeoutError has none)."""
    message = str(error).strip()
    if message and not message.endswith(":"):
        return message
    cause = error.__cause__ or error.__context__
    reason = plain(cause) if cause is not None else "failed, without a reason (please report this)"
    return f"{message} {reason}" if message else f"kiosk {command}: {reason}"


def _loaded_errors() -> tuple[type[Exception], ...]:
    return tuple(
        getattr(sys.modules[module], name)
        for module, name in LOADED_ERRORS.items()
        if module in sys.modules
    )
