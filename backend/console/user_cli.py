"""`kiosk backend user create|list|disable|enable|reset-password`: the console's staff
accounts, from the backend host's terminal (no server needed).

kiosk/cli/backend.py declares the arguments; backend/staff_cli.py's run() opens the database
and calls one of these actions. A password is read from the terminal twice without echo, or
with --password-stdin as one line from standard input (for scripts: never on the command
line, where other users of the machine can read it). Failures are CommandFailed, one line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine

from backend import db, terminal
from backend.console import users
from backend.console.passwords import MIN_LENGTH, UnusablePassword, check_password
from backend.console.roles import StaffRole
from backend.names import InvalidName
from backend.paths import BackendPaths
from core.errors import CommandFailed


def _now() -> datetime:
    return datetime.now(UTC)


def read_password(args: argparse.Namespace) -> str:
    """The new password: one line of standard input with --password-stdin, else asked twice
    on the terminal. Refused (CommandFailed) when too short or long, or the two differ."""
    if args.password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        if not sys.stdin.isatty():
            raise CommandFailed(
                "no terminal to ask for the password on; give it on standard input with "
                "--password-stdin"
            )
        password = getpass.getpass(f"パスワード（{MIN_LENGTH}文字以上）: ")
        if getpass.getpass("もう一度入れてください: ") != password:
            raise CommandFailed("the two passwords differ; nothing was changed")
    try:
        return check_password(password)
    except UnusablePassword as error:
        raise CommandFailed(f"{error}; nothing was changed") from error


def _name(text: str) -> str:
    try:
        return users.checked_name(text)
    except InvalidName as error:
        raise CommandFailed(str(error)) from error


def create_user(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    name = _name(args.name)
    divisions = [_name(division) for division in args.division or []]
    if users.find(engine, name) is not None:  # before asking for a password in vain
        raise CommandFailed(f"a staff user named {name!r} exists already")
    password = read_password(args)
    try:
        user = users.create(engine, name, StaffRole(args.role), password, divisions, _now())
    except (users.UserExists, InvalidName, UnusablePassword) as error:
        raise CommandFailed(str(error)) from error
    where = "・".join(user.divisions) if user.divisions else "課の指定なし"
    terminal.message(f"職員 {user.name}（{user.role_label}、{where}）を作りました")
    return 0


def _state(user: users.StaffUser, now: datetime) -> str:
    if user.disabled:
        return "無効"
    if user.locked_at(now):
        return "ロック中"
    return "有効"


def list_users(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    now = _now()
    found = users.all_users(engine)
    if args.json:
        terminal.json_document(
            [
                {
                    "name": user.name,
                    "role": user.role.value,
                    "divisions": list(user.divisions),
                    "disabled": user.disabled,
                    "locked_until": db.format_utc(user.locked_until)
                    if user.locked_at(now) and user.locked_until
                    else None,
                    "created_at": db.format_utc(user.created_at),
                    "changed_at": db.format_utc(user.changed_at),
                }
                for user in found
            ]
        )
        return 0
    terminal.lines(
        f"{user.name}  {user.role_label}（{user.role.value}）  "
        f"{'・'.join(user.divisions) or '—'}  {_state(user, now)}"
        for user in found
    )
    terminal.lines([f"{len(found)} 人"])
    return 0


def disable_user(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    name = _name(args.name)
    try:
        users.disable(engine, name, _now())
    except users.UnknownUser as error:
        raise CommandFailed(str(error)) from error
    terminal.message(f"職員 {name} を無効にしました（ログイン中の画面も閉じられます）")
    return 0


def enable_user(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    name = _name(args.name)
    try:
        users.enable(engine, name, _now())
    except users.UnknownUser as error:
        raise CommandFailed(str(error)) from error
    terminal.message(f"職員 {name} を有効にしました")
    return 0


def reset_password(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    name = _name(args.name)
    if users.find(engine, name) is None:
        raise CommandFailed(f"no staff user named {name!r}")
    password = read_password(args)
    try:
        users.set_password(engine, name, password, _now())
    except users.UnknownUser as error:
        raise CommandFailed(str(error)) from error
    terminal.message(f"職員 {name} のパスワードを変えました（ロックも解除しました）")
    return 0
