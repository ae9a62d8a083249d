"""`kiosk backend kiosk enroll|revoke`: one-time enrollment codes on the backend host
(backend/enrollment.py). kiosk/cli/backend.py parses; backend/staff_cli.py's run() opens the
database and calls these.

`enroll` prints what it did on stderr and the code alone on stdout, so the last line a
terminal shows, and the only line a script reads, is the code.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlalchemy import Engine

from backend import audit, enrollment, kiosk_health, terminal
from backend.keys import load_private_key
from backend.names import InvalidName, check_kiosk_id
from backend.paths import BackendPaths
from backend.staff_cli import kiosk_add, kiosk_set
from core.enrollment import grouped
from core.errors import CommandFailed
from core.sealing import SealingError


def _kiosk_id(text: str) -> str:
    try:
        return check_kiosk_id(text)
    except InvalidName as error:
        raise CommandFailed(str(error)) from error


def _code_key(paths: BackendPaths) -> bytes:
    try:
        # Never create the key here: a mistyped --data must not mint one the server lacks.
        return enrollment.code_key(load_private_key(paths, create=False))
    except SealingError as error:
        raise CommandFailed(
            f"{error} (start kiosk backend serve once with this --data first)"
        ) from error


def kiosk_enroll(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
    kiosk_id = _kiosk_id(args.kiosk_id)
    key = _code_key(paths)
    # Registered as `kiosk add` does, or its name and location brought up to date.
    known = kiosk_id in kiosk_health.registered(engine)
    (kiosk_set if known else kiosk_add)(args, paths, engine)
    now = datetime.now(UTC)
    issued = enrollment.create_code(engine, key, kiosk_id, who=audit.cli_user(), now=now)
    until = issued.expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    terminal.message(
        f"{kiosk_id} の登録コード（1回だけ、{until} まで有効）。端末で "
        "kiosk setup enroll URL コード、または設定画面で入力します。"
    )
    terminal.lines([grouped(issued.code)])
    return 0


def kiosk_revoke(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    kiosk_id = _kiosk_id(args.kiosk_id)
    done = enrollment.revoke(engine, kiosk_id, who=audit.cli_user(), now=datetime.now(UTC))
    if not (done.tokens or done.codes):
        terminal.message(f"{kiosk_id} には有効なトークンも未使用の登録コードもありません")
        return 1
    terminal.message(
        f"{kiosk_id}: トークン {done.tokens} 件と未使用の登録コード {done.codes} 件を"
        f"無効にしました。新しいコードで登録し直せます（kiosk backend kiosk enroll {kiosk_id}）"
    )
    return 0
