"""`kiosk backend serve|token|user|list|show|pdf|audit|export|insights`: the reference backend's
commands.

This module declares the arguments and picks the action; backend/staff_cli.py acts. The
backend is an optional install (the `backend` extra), so it is imported only when one of these
commands runs, never to build the parser.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import CommandFailed
from kiosk.cli.options import JSON
from kiosk.config_base import resolve_paths
from kiosk.logs import configure_logging

if TYPE_CHECKING:
    from backend.paths import BackendPaths
    from backend.staff_cli import StaffAction

PLACE = argparse.ArgumentParser(add_help=False)
PLACE.add_argument(
    "--data",
    type=Path,
    help="backend data folder: keys, SQLite database, local kiosk tokens "
    "(default: 'backend' in the kiosk data directory)",
)
PLACE.add_argument(
    "--database",
    metavar="URL",
    help="database URL, e.g. postgresql+psycopg://user@host/madoguchi (default: "
    "$KIOSK_BACKEND_DATABASE_URL, else backend.sqlite3 in --data)",
)

# The console's roles (backend/console/roles.py), spelt here so the parser needs no backend.
ROLES = ["clerk", "supervisor", "admin"]

PASSWORD_STDIN = argparse.ArgumentParser(add_help=False)
PASSWORD_STDIN.add_argument(
    "--password-stdin",
    action="store_true",
    help="read the password as one line from standard input (for scripts) instead of asking "
    "twice on the terminal",
)

CATALOG = argparse.ArgumentParser(add_help=False)
CATALOG.add_argument(
    "--catalog",
    type=Path,
    metavar="DIR",
    help="catalog folder with procedures/, categories/, life_events/, municipalities/ "
    "(default: the shipped catalog)",
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    backend = commands.add_parser(
        "backend",
        help="the reference sync backend",
        description="Run or administer the reference backend.",
    )
    actions = backend.add_subparsers(dest="backend_command", required=True, metavar="ACTION")

    serve = actions.add_parser(
        "serve",
        parents=[PLACE, CATALOG],
        help="serve the backend with uvicorn",
        description="Serve the reference backend (FastAPI under uvicorn), over HTTPS with "
        "--tls-cert and --tls-key, or behind a reverse proxy (docs/BACKEND.md). It creates its "
        "sealing key pair in --data and brings the database schema up to date on start.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--tls-cert",
        type=Path,
        metavar="FILE",
        help="serve HTTPS with this PEM certificate (chain); needs --tls-key",
    )
    serve.add_argument("--tls-key", type=Path, metavar="FILE", help="its PEM private key")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="reverse proxies whose X-Forwarded-For/-Proto are trusted, comma-separated "
        "(default: $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1: a proxy on this host)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="uvicorn worker processes (default 1); more than one needs PostgreSQL "
        "(docs/BACKEND.md, Fleet scale, says when to add them)",
    )
    serve.set_defaults(handler=_serve)

    token = actions.add_parser(
        "token",
        parents=[PLACE],
        help="create or revoke a bearer token: token create|revoke kiosk|staff NAME",
        description="'token create kiosk|staff NAME' prints a new token once (only its hash is "
        "stored): a kiosk's NAME is its kiosk_id; put the token in that kiosk's configuration "
        "as backend_token. 'token revoke kiosk|staff NAME' invalidates all of NAME's tokens. "
        "'token KIOSK_ID' (the old form) prints the token of a kiosk on this same machine, "
        "kept in DATA/local-kiosks/KIOSK_ID.token and created on first use. "
        "A staff token has a role (--role supervisor or admin, default supervisor: every "
        "division); clerks use console accounts, which have divisions.",
        usage="kiosk backend token (create|revoke {kiosk,staff} NAME | KIOSK_ID) "
        "[--role {supervisor,admin}] [--data DIR] [--database URL]",
    )
    token.add_argument("words", nargs="+", metavar="create|revoke KIND NAME | KIOSK_ID")
    token.add_argument(
        "--role", choices=ROLES, help="what a new staff token may do (default: supervisor)"
    )
    token.set_defaults(handler=_token)

    _add_user_parser(actions)
    _add_kiosk_parser(actions)

    listing = actions.add_parser(
        "list",
        parents=[JSON, PLACE, CATALOG],
        help="list received applications",
        description="List received applications, oldest received first (at most --limit).",
    )
    listing.add_argument("--status", choices=["受付済", "処理中", "完了", "差戻し"])
    listing.add_argument("--procedure", metavar="ID", help="only this procedure")
    listing.add_argument("--kiosk", metavar="KIOSK_ID", help="only from this kiosk")
    listing.add_argument("--since", metavar="T", help="received at or after T (ISO 8601)")
    # No default here: the backend's LIST_LIMIT applies, and the backend is not imported yet.
    listing.add_argument("--limit", type=int)
    listing.set_defaults(handler=_list)

    show = actions.add_parser(
        "show",
        parents=[JSON, PLACE, CATALOG],
        help="show one application with its answers",
        description="Open one application with the municipality's private key and print its "
        "answers with the catalog's Japanese questions.",
    )
    show.add_argument("application_id", metavar="ID")
    show.add_argument(
        "--kiosk",
        metavar="KIOSK_ID",
        help="the kiosk that sent it (needed only when two kiosks sent the same id)",
    )
    show.set_defaults(handler=_show)

    form = actions.add_parser(
        "pdf",
        parents=[PLACE, CATALOG],
        help="write one application's filled-in 申請書 as a PDF",
        description="Open one application with the municipality's private key and write its "
        "filled-in application form (A4, fonts embedded, the receipt's QR code) to FILE, "
        "readable by you only. The view is written to the audit log.",
    )
    form.add_argument("application_id", metavar="ID")
    form.add_argument("-o", "--output", type=Path, metavar="FILE", required=True)
    form.add_argument(
        "--kiosk",
        metavar="KIOSK_ID",
        help="the kiosk that sent it (needed only when two kiosks sent the same id)",
    )
    form.set_defaults(handler=_pdf)

    audit = actions.add_parser(
        "audit",
        parents=[JSON, PLACE],
        help="who opened, changed or exported which application",
        description="The staff audit log, newest first: every view of an application's "
        "answers and every status change (console, API or this command line) and every export.",
    )
    audit.add_argument("--application", metavar="ID", help="only this application")
    audit.add_argument("--who", metavar="NAME", help="only this staff token or cli:USER")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(handler=_audit)

    export = actions.add_parser(
        "export",
        parents=[PLACE, CATALOG],
        help="export applications as CSV or JSON Lines",
        description="One row per application: fixed metadata columns, then one 'answer.FIELD' "
        "column per field of the exported procedures (sorted by field id), then "
        "answers_other. CSV is UTF-8 with a BOM (Excel); jsonl is plain UTF-8.",
    )
    export.add_argument("--since", metavar="T", help="received at or after T (ISO 8601)")
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    export.add_argument("--output", type=Path, metavar="FILE", help="default: stdout")
    export.add_argument("--procedure", metavar="ID", help="only this procedure")
    export.set_defaults(handler=_export)

    insights = actions.add_parser(
        "insights",
        parents=[JSON, PLACE, CATALOG],
        help="usage figures: where residents give up, call staff or take long",
        description="Exact counts from the kiosks' usage events (never personal): per procedure "
        "started, finished, abandoned, redirected (sent on to the procedure that fits an address "
        "outside the city) and the completion rate, minutes per application beside the "
        "profile's paper_form_minutes; per page shown, abandoned, redirected, median and "
        "90th-percentile time, refusals and staff calls; sessions by the language and text size "
        "they ended in, kiosk, weekday and hour. Practice sessions are counted apart. Sessions "
        "are placed by the hour they started.",
    )
    insights.add_argument("--since", metavar="T", help="sessions started at or after T (ISO 8601)")
    insights.add_argument("--until", metavar="T", help="sessions started before T (default: now)")
    insights.set_defaults(handler=_insights)


def _add_user_parser(actions: argparse._SubParsersAction) -> None:
    user = actions.add_parser(
        "user",
        help="staff accounts of the console: user create|list|disable|enable|reset-password",
        description="The staff console's accounts (/staff/ on the backend). A clerk sees the "
        "applications of their divisions (課), a supervisor every division, an admin also "
        "manages accounts, kiosks and tokens. Passwords have at least 10 characters and are "
        "stored as a slow salted hash only.",
    )
    commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    create = commands.add_parser(
        "create",
        parents=[PLACE, PASSWORD_STDIN],
        help="a new staff account",
        description="Create a staff account; asks for its password twice on the terminal "
        "(or reads it with --password-stdin).",
    )
    create.add_argument("name", metavar="NAME", help="the login name, e.g. tanaka or 田中")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument(
        "--division",
        action="append",
        metavar="課",
        help="a division whose applications a clerk sees, e.g. 市民課 (repeat for several)",
    )
    create.set_defaults(handler=_user_create)

    listing = commands.add_parser(
        "list",
        parents=[JSON, PLACE],
        help="every staff account",
        description="Every staff account: name, role, divisions, and whether it is enabled, "
        "disabled or locked after wrong passwords. Never a password hash.",
    )
    listing.set_defaults(handler=_user_list)

    for action, handler, words in (
        ("disable", _user_disable, "can no longer log in; its open sessions end now"),
        ("enable", _user_enable, "may log in again"),
    ):
        command = commands.add_parser(
            action,
            parents=[PLACE],
            help=f"the account {words}",
            description=f"The account {words}.",
        )
        command.add_argument("name", metavar="NAME")
        command.set_defaults(handler=handler)

    reset = commands.add_parser(
        "reset-password",
        parents=[PLACE, PASSWORD_STDIN],
        help="a new password (also lifts a lockout and ends open sessions)",
        description="Give the account a new password, asked twice on the terminal (or read "
        "with --password-stdin); its lockout is lifted and its open sessions end.",
    )
    reset.add_argument("name", metavar="NAME")
    reset.set_defaults(handler=_user_reset_password)


def _add_kiosk_parser(actions: argparse._SubParsersAction) -> None:
    kiosk = actions.add_parser(
        "kiosk",
        help="register and enroll kiosks: kiosk add|set|list|enroll|revoke",
        description="The kiosks as the staff console shows them (/staff/kiosks): a name and "
        "where each stands, e.g. 本庁舎1階 市民課前; staff calls name both.",
    )
    commands = kiosk.add_subparsers(dest="kiosk_command", required=True, metavar="ACTION")
    for action, handler, words in (
        ("add", _kiosk_add, "register a kiosk (its name is its id unless --name is given)"),
        ("set", _kiosk_set, "change a registered kiosk's name or location"),
    ):
        command = commands.add_parser(
            action, parents=[PLACE], help=words, description=words[0].upper() + words[1:] + "."
        )
        command.add_argument("kiosk_id", metavar="KIOSK_ID")
        command.add_argument(
            "--location", required=action == "add", help="where it stands (up to 80 characters)"
        )
        command.add_argument("--name", help="what staff call it (up to 40 characters)")
        command.set_defaults(handler=handler)
    listing = commands.add_parser(
        "list",
        parents=[JSON, PLACE],
        help="the registered kiosks",
        description="Every registered kiosk: id, name, location.",
    )
    listing.set_defaults(handler=_kiosk_list)
    enroll = commands.add_parser(
        "enroll",
        parents=[PLACE],
        help="a one-time code a kiosk exchanges for its token (kiosk setup enroll URL CODE)",
        description="Register the kiosk (as add, or change its name and location as set) and "
        "make a one-time enrollment code: 10 letters and digits without look-alikes, usable "
        "once, within 24 hours. The kiosk exchanges it for its token, reception letter, "
        "municipality profile and the sealing key's fingerprint (kiosk setup enroll URL CODE). "
        "The code is printed alone on the last line (stdout); only a keyed hash is stored. "
        "Enrolling a kiosk id again replaces the earlier device's token.",
    )
    enroll.add_argument("kiosk_id", metavar="KIOSK_ID")
    enroll.add_argument("--location", required=True, help="where it stands (up to 80 characters)")
    enroll.add_argument("--name", help="what staff call it (up to 40 characters)")
    enroll.set_defaults(handler=_kiosk_enroll)
    revoke = commands.add_parser(
        "revoke",
        parents=[PLACE],
        help="a stolen or replaced kiosk: its tokens and unused codes stop working",
        description="Revoke the kiosk's tokens (its receipt signing keys with them) and its "
        "unused enrollment codes; its reception letter is free for other kiosks. It can be "
        "enrolled again with a new code.",
    )
    revoke.add_argument("kiosk_id", metavar="KIOSK_ID")
    revoke.set_defaults(handler=_kiosk_revoke)


def _backend_paths(data: Path | None) -> BackendPaths:
    from backend.paths import BackendPaths

    return BackendPaths(data or resolve_paths().data_dir / "backend")


def _serve(args: argparse.Namespace) -> int:
    from backend.paths import database_url
    from backend.server import Tls, serve
    from backend.terminal import safe

    if (args.tls_cert is None) != (args.tls_key is None):
        raise CommandFailed("kiosk backend serve: --tls-cert and --tls-key go together")
    if args.workers < 1:
        raise CommandFailed("kiosk backend serve: --workers takes a number of 1 or more")
    tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    paths = _backend_paths(args.data)
    try:
        if tls is not None:
            tls.check()
    except ValueError as error:
        raise CommandFailed(safe(f"kiosk backend serve: {error}")) from error
    configure_logging(paths.root / "logs")
    where = database_url(paths, args.database).split("@")[-1]  # never print a password
    scheme = "https" if tls else "http"
    print(safe(f"backend: data in {paths.root}; database {where}; {scheme}"), flush=True)
    try:
        started = serve(
            paths,
            args.host,
            args.port,
            database=args.database,
            catalog_dir=args.catalog,
            tls=tls,
            forwarded_allow_ips=args.forwarded_allow_ips,
            workers=args.workers,
        )
    except ValueError as error:  # several workers on SQLite
        raise CommandFailed(safe(f"kiosk backend serve: {error}")) from error
    if not started:
        raise CommandFailed(
            f"kiosk backend serve: could not serve on {args.host}:{args.port} (see above)"
        )
    return 0


def _staff(args: argparse.Namespace, action: StaffAction) -> int:
    """Run one of the staff's actions on the database; its failure gets the command's name."""
    from backend.staff_cli import run
    from backend.terminal import safe

    sub = getattr(args, "user_command", None) or getattr(args, "kiosk_command", None)
    command = " ".join(filter(None, [args.backend_command, sub]))
    try:
        return run(action, args, _backend_paths(args.data))
    except CommandFailed as error:
        # The reason may quote what was typed or stored: shown, never obeyed, by the terminal.
        raise CommandFailed(safe(f"kiosk backend {command}: {error}")) from error


# One handler per action, each importing the backend only when it runs.


def _token(args: argparse.Namespace) -> int:
    from backend.staff_cli import token

    return _staff(args, token)


def _list(args: argparse.Namespace) -> int:
    from backend.staff_cli import list_applications

    return _staff(args, list_applications)


def _show(args: argparse.Namespace) -> int:
    from backend.staff_cli import show_application

    return _staff(args, show_application)


def _pdf(args: argparse.Namespace) -> int:
    from backend.pdf_cli import print_form

    return _staff(args, print_form)


def _audit(args: argparse.Namespace) -> int:
    from backend.staff_cli import audit_log

    return _staff(args, audit_log)


def _export(args: argparse.Namespace) -> int:
    from backend.staff_cli import export_applications

    return _staff(args, export_applications)


def _insights(args: argparse.Namespace) -> int:
    from backend.insights_cli import insights

    return _staff(args, insights)


def _user_create(args: argparse.Namespace) -> int:
    from backend.console.user_cli import create_user

    return _staff(args, create_user)


def _user_list(args: argparse.Namespace) -> int:
    from backend.console.user_cli import list_users

    return _staff(args, list_users)


def _user_disable(args: argparse.Namespace) -> int:
    from backend.console.user_cli import disable_user

    return _staff(args, disable_user)


def _user_enable(args: argparse.Namespace) -> int:
    from backend.console.user_cli import enable_user

    return _staff(args, enable_user)


def _user_reset_password(args: argparse.Namespace) -> int:
    from backend.console.user_cli import reset_password

    return _staff(args, reset_password)


def _kiosk_add(args: argparse.Namespace) -> int:
    from backend.staff_cli import kiosk_add

    return _staff(args, kiosk_add)


def _kiosk_set(args: argparse.Namespace) -> int:
    from backend.staff_cli import kiosk_set

    return _staff(args, kiosk_set)


def _kiosk_list(args: argparse.Namespace) -> int:
    from backend.staff_cli import kiosk_list

    return _staff(args, kiosk_list)


def _kiosk_enroll(args: argparse.Namespace) -> int:
    from backend.enrollment_cli import kiosk_enroll

    return _staff(args, kiosk_enroll)


def _kiosk_revoke(args: argparse.Namespace) -> int:
    from backend.enrollment_cli import kiosk_revoke

    return _staff(args, kiosk_revoke)
