"""The staff audit log: which staff member did what to which application, and when.

Fed by the staff API (opening an application, changing its status: who is the staff token's
name) and by `kiosk backend export` (who is the user at the backend host's terminal); the
staff console builds its audit view on entries(). Nothing personal is written here: the
application is named by its kiosk and id, and the detail holds statuses, filters and counts.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from backend.db import WRITE, staff_audit

MAX_LIST = 1000


class Action(StrEnum):
    OPEN = "open"  # the answers were shown (staff API, by id or by receipt QR)
    STATUS = "status"  # the staff status was changed
    EXPORT = "export"  # applications were exported with their answers
    ACKNOWLEDGE = "acknowledge"  # a kiosk's staff call or device problem was acknowledged
    KIOSK = "kiosk"  # a kiosk was registered, or its name or location changed
    RECEIPT_OPENED = "receipt_opened"  # stored from a sealed receipt QR before its kiosk synced
    RECEIPT_SYNCED = "receipt_synced"  # that kiosk's sync arrived (detail: same answers or not)
    ENROLL_CODE = "enroll_code"  # a one-time enrollment code was made for a kiosk
    ENROLLED = "enrolled"  # a kiosk exchanged its code for a token (detail: its letter)
    REVOKED = "kiosk_revoked"  # a kiosk's tokens and unused codes were revoked
    KIOSK_SETTINGS = "kiosk_settings"  # settings pushed to one kiosk or all were changed

    @property
    def label(self) -> str:
        """The action in the console's words."""
        return ACTION_LABELS.get(self.value, self.value)


ACTION_LABELS = {
    "open": "申請を開いた",
    "status": "状態を変えた",
    "export": "書き出した",
    "acknowledge": "呼び出し・異常を確認した",
    "kiosk": "端末の登録・変更",
    "receipt_opened": "受付票のQRコードから登録した（未同期）",
    "receipt_synced": "受付票から開いた申請が同期された",
    "enroll_code": "端末の登録コードを発行した",
    "enrolled": "端末が登録コードで接続した",
    "kiosk_revoked": "端末を無効にした",
    "kiosk_settings": "端末の設定を変えた",
}


def cli_user() -> str:
    """Who runs a staff command at the backend host's terminal (the operating system user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container): still say it was the CLI
        return "cli:unknown"


def append(
    target: Engine | Connection,
    *,
    who: str,
    action: Action | str,
    kiosk_id: str | None = None,
    application_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
    address: str | None = None,
) -> None:
    """Add one entry. Pass the Connection of an open transaction to make the entry part of
    the change it records (it is then written exactly when the change is). address: the
    client's address, for what the console does."""
    values = {
        "at": at or datetime.now(UTC),
        "who": who,
        "action": Action(action).value,
        "kiosk_id": kiosk_id,
        "application_id": application_id,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        "address": address,
    }
    if isinstance(target, Connection):
        target.execute(insert(staff_audit).values(values))
        return
    with target.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(insert(staff_audit).values(values))


def entries(
    target: Engine | Connection,
    *,
    application_id: str | None = None,
    kiosk_id: str | None = None,
    who: str | tuple[str, ...] | None = None,
    action: Action | str | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict]:
    """Entries, newest first, optionally of one application (and kiosk), person or action,
    and at or after since and before before. target: an Engine, or the Connection of an open
    transaction (the entry just appended is then among them)."""
    clauses = []
    if since is not None:
        clauses.append(staff_audit.c.at >= since)
    if before is not None:
        clauses.append(staff_audit.c.at < before)
    if application_id is not None:
        clauses.append(staff_audit.c.application_id == application_id)
    if kiosk_id is not None:
        clauses.append(staff_audit.c.kiosk_id == kiosk_id)
    if isinstance(who, tuple):
        clauses.append(staff_audit.c.who.in_(who))
    elif who is not None:
        clauses.append(staff_audit.c.who == who)
    if action is not None:
        clauses.append(staff_audit.c.action == Action(action).value)
    query = (
        select(staff_audit)
        .where(*clauses)
        .order_by(staff_audit.c.at.desc(), staff_audit.c.id.desc())
        .limit(max(1, min(limit, MAX_LIST)))
        .offset(max(0, offset))
    )
    if isinstance(target, Connection):
        rows = target.execute(query).mappings().all()
    else:
        with target.connect() as connection:
            rows = connection.execute(query).mappings().all()
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]
