"""The staff's commands on the backend host (`kiosk backend list|show|token|export`; the
console's accounts, `kiosk backend user …`, are backend/console/user_cli.py's).

They read the database directly, so they work while the server is stopped, and print with
the Japanese labels of the catalog. kiosk/cli/backend.py parses the arguments and picks the
action; this module acts. Failures are core.errors.CommandFailed, worded for the staff.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from backend import applications, audit, db, export, terminal
from backend.applications import Filters
from backend.catalog_bundle import shipped_catalog
from backend.console.answers import fee_text
from backend.keys import load_private_key, open_payload
from backend.migrations import SchemaTooNew
from backend.names import InvalidName, check_kiosk_id
from backend.paths import BackendPaths, database_url
from backend.procedure_labels import FieldLabel, ProcedureLabels, load
from backend.provisioning import import_legacy_tokens, local_kiosk_token
from backend.staff_models import ApplicationDetail, ApplicationSummary
from backend.tokens import TokenKind
from backend.tokens import issue as issue_token
from backend.tokens import revoke as revoke_tokens
from core.catalog import Group, Procedure
from core.errors import CommandFailed
from core.municipal_words import fill, words
from core.municipality import Municipality
from core.sealing import SealingError
from core.wire import StaffStatus

M = TypeVar("M", bound=BaseModel)

# How many applications `list` prints when no --limit is given.
LIST_LIMIT = 1000

# One staff action: the parsed arguments, the backend's folder and an open database.
StaffAction = Callable[[argparse.Namespace, BackendPaths, Engine], int]


def _engine(paths: BackendPaths, args: argparse.Namespace) -> Engine:
    engine = db.connect(database_url(paths, getattr(args, "database", None)))
    import_legacy_tokens(paths, engine)
    return engine


def parse_since(text: str | None) -> datetime | None:
    """ISO 8601 date or moment; without a zone it is this machine's local time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandFailed(
            f"--since: '{text}' is not a date or time such as 2026-11-01 or 2026-11-01T09:00"
        ) from error
    return moment if moment.tzinfo else moment.astimezone()


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "—"


def run(action: StaffAction, args: argparse.Namespace, paths: BackendPaths) -> int:
    """Open the database, run the action the command line picked, close the database."""
    try:
        engine = _engine(paths, args)
    except (SQLAlchemyError, SchemaTooNew) as error:
        raise CommandFailed(f"cannot open the database: {error}") from error
    try:
        return action(args, paths, engine)
    finally:
        engine.dispose()


def list_applications(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    filters = Filters(
        StaffStatus(args.status) if args.status else None,
        args.procedure,
        _kiosk_id(args.kiosk) if args.kiosk else None,
        parse_since(args.since),
    )
    limit = LIST_LIMIT if args.limit is None else args.limit
    total, rows = applications.summaries(engine, filters, limit=limit)
    items = [ApplicationSummary.model_validate(row) for row in rows]
    if args.json:
        terminal.json_document([item.model_dump(mode="json") for item in items])
        return 0
    municipality = _municipality(args.catalog)
    filled = words(municipality) if municipality is not None else {}
    titles = {pid: fill(labels.title, "ja", filled) for pid, labels in load(args.catalog).items()}
    terminal.lines(
        f"{item.id}  {item.reception_number:<8} {item.staff_status.value}  "
        f"{_local(item.received_at)}  {item.kiosk_id}  "
        f"{titles.get(item.procedure_id, item.procedure_id)}"
        for item in items
    )
    terminal.lines([f"{len(items)} 件を表示 / 該当 {total} 件"])
    return 0


def opened_application(
    args: argparse.Namespace, paths: BackendPaths, engine: Engine
) -> tuple[dict, dict]:
    """The application args name (args.application_id, args.kiosk) and its answers, opened
    with the municipality's key; CommandFailed when there is none or it does not open."""
    kiosk_id = getattr(args, "kiosk", None)
    row = applications.one(engine, args.application_id, kiosk_id)
    if row is None:
        where = f" from kiosk {kiosk_id}" if kiosk_id else ""
        raise CommandFailed(f"no application with id {args.application_id}{where}")
    try:
        payload = open_payload(row["sealed"], load_private_key(paths, create=False), row["id"])
        given = payload["answers"]
        if not isinstance(given, dict):
            raise SealingError("the answers are not a mapping")
    except (SealingError, KeyError, TypeError) as error:
        # Stored before ingest checked content, or the key was replaced: said, no traceback.
        raise CommandFailed(f"application {row['id']} cannot be opened: {error}") from error
    return row, given


def show_application(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
    row, given = opened_application(args, paths, engine)
    # Every view of decrypted answers is audited, from the console, the API or this command.
    audit.append(
        engine,
        who=audit.cli_user(),
        action=audit.Action.OPEN,
        kiosk_id=row["kiosk_id"],
        application_id=row["id"],
        detail={"via": "cli"},
    )
    detail = ApplicationDetail(**row, answers=given)
    if args.json:
        terminal.json_document(detail.model_dump(mode="json"), indent=2)
        return 0
    procedure = _procedure(args.catalog, detail.procedure_id)
    lines = _readable(detail, load(args.catalog).get(detail.procedure_id), procedure)
    fee = _fee(args.catalog, detail.procedure_id, given)
    if fee is not None:
        lines.insert(lines.index("回答:"), f"手数料      {fee}")
    municipality = _municipality(args.catalog)
    if municipality is not None:
        # The labels are the files' own texts: {市} and {役所} read as the kiosk shows them.
        filled = words(municipality)
        lines = [fill(line, "ja", filled) for line in lines]
    terminal.lines(lines)
    return 0


def _municipality(catalog_dir: Path | None) -> Municipality | None:
    root = catalog_dir or shipped_catalog()
    return next(iter(_models(root / "municipalities", Municipality)), None)


def _fee(catalog_dir: Path | None, procedure_id: str, given: dict) -> str | None:
    """The fee the answers come to, as the console and the receipt show it (core.fees):
    "1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）"; None when the catalog has no such
    procedure or no municipality profile (the answers are still shown)."""
    procedure = _procedure(catalog_dir, procedure_id)
    municipality = _municipality(catalog_dir)
    if procedure is None or municipality is None:
        return None
    return fee_text(procedure, municipality.fees, given)


def _procedure(catalog_dir: Path | None, procedure_id: str) -> Procedure | None:
    root = catalog_dir or shipped_catalog()
    return next((p for p in _models(root / "procedures", Procedure) if p.id == procedure_id), None)


def _models(folder: Path, model: type[M]) -> list[M]:
    found = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            found.append(model.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError):
            continue  # a file that does not parse is `kiosk catalog check`'s to report
    return found


def audit_log(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    if not 1 <= args.limit <= audit.MAX_LIST:
        raise CommandFailed(f"--limit must be between 1 and {audit.MAX_LIST}")
    rows = audit.entries(engine, application_id=args.application, who=args.who, limit=args.limit)
    if args.json:
        terminal.json_document([{**row, "at": db.format_utc(row["at"])} for row in rows])
        return 0
    terminal.lines(
        f"{_local(row['at'])}  {row['who']}  {row['action']}  "
        f"{row['kiosk_id'] or '-'}  {row['application_id'] or '-'}  "
        + json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
        for row in rows
    )
    terminal.lines([f"{len(rows)} 件"])
    return 0


def _readable(
    detail: ApplicationDetail, labels: ProcedureLabels | None, procedure: Procedure | None = None
) -> list[str]:
    """One line per item; a value with a newline stays on its line (terminal.lines shows it)."""
    title = labels.title if labels else detail.procedure_id
    lines = [
        f"申請ID      {detail.id}",
        f"受付番号    {detail.reception_number}",
        f"手続き      {title}（{detail.procedure_id} 第{detail.procedure_version}版）",
        f"端末        {detail.kiosk_id}",
        f"申請日時    {_local(detail.created_at)}",
        f"受信日時    {_local(detail.received_at)}",
        f"状態        {detail.staff_status.value}"
        + (f"（{_local(detail.status_changed_at)} 更新）" if detail.status_changed_at else ""),
        "回答:",
    ]
    fields = labels.fields if labels else {}
    for field_id, value in detail.answers.items():
        group = procedure.group(field_id) if procedure else None
        if group is not None and isinstance(value, list):
            lines += _member_lines(group, value, fields)
            continue
        label = fields.get(field_id)
        question = label.question if label else field_id
        shown = label.options.get(str(value), None) if label else None
        text = export.cell(value)
        lines.append(f"  {question}: {shown}（{text}）" if shown else f"  {question}: {text}")
    return lines


def _member_lines(group: Group, members: list, fields: dict[str, FieldLabel]) -> list[str]:
    """A repeated group (each person who moved …): its name, then per member and page
    「  2人目の方 氏名: 𠮷野 一郎」, as the paper form's rows."""
    lines = [f"  {group.review_label.text('ja')}（{len(members)}）:"]
    for number, member in enumerate(members, start=1):
        who = group.label_for(number).text("ja")
        for page_id, value in member.items() if isinstance(member, dict) else ():
            label = fields.get(page_id)
            question = label.question if label else page_id
            shown = label.options.get(str(value)) if label else None
            text = export.cell(value)
            answer = f"{shown}（{text}）" if shown else text
            lines.append(f"    {who} {question}: {answer}")
    return lines


def token(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
    words = args.words
    role = getattr(args, "role", None)
    if role is not None and not (len(words) == 3 and words[:2] == ["create", "staff"]):
        raise CommandFailed("--role is for 'token create staff NAME' only")
    try:
        if len(words) == 3 and words[0] == "create":
            terminal.lines([issue_token(engine, _kind(words[1]), words[2], role)])
            return 0
        if len(words) == 3 and words[0] == "revoke":
            removed = revoke_tokens(engine, _kind(words[1]), words[2])
            terminal.message(f"{removed} 件のトークンを無効にしました")
            return 0 if removed else 1
        if len(words) == 1 and words[0] not in {"create", "revoke"}:
            # The old form: the token of a kiosk on this machine, kept in a 0600 file.
            kiosk_id = words[0]
            token_file = paths.local_kiosk_token(kiosk_id)  # checks the id before any path
            terminal.lines([local_kiosk_token(paths, kiosk_id, token_file)])
            return 0
    except ValueError as error:  # InvalidName, or a role a token cannot have
        raise CommandFailed(str(error)) from error
    raise CommandFailed(
        "usage: kiosk backend token create|revoke kiosk|staff NAME  (or: token KIOSK_ID)"
    )


def _kiosk_id(text: str) -> str:
    try:
        return check_kiosk_id(text)
    except InvalidName as error:
        raise CommandFailed(f"--kiosk: {error}") from error


def _kind(word: str) -> TokenKind:
    if word not in {kind.value for kind in TokenKind}:
        raise CommandFailed(f"token kind must be kiosk or staff, not '{word}'")
    return TokenKind(word)


def export_applications(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
    filters = Filters(procedure_id=args.procedure, since=parse_since(args.since))
    private_key = load_private_key(paths, create=False)
    encoding = "utf-8-sig" if args.format == "csv" else "utf-8"  # the BOM is what Excel needs
    if args.output:
        # Written 0600 as .partial and renamed when whole; removed if anything fails.
        rows = export.write_file(
            args.output, encoding, lambda out: _write(args, engine, filters, private_key, out)
        )
        terminal.message(f"{rows} 件を {args.output} に書き出しました")
        return 0
    sys.stdout.flush()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="", write_through=True)
    try:
        # Piped or redirected, the export is data and stays byte for byte; on a terminal, what
        # a person reads is made safe like every other output of this command line.
        _write(
            args, engine, filters, private_key, terminal.SafeWriter(out) if out.isatty() else out
        )
    finally:
        out.detach()
    return 0


def _write(args, engine, filters, private_key, out) -> int:
    if args.format == "csv":
        return export.write_csv(engine, filters, private_key, load(args.catalog), out)
    return export.write_jsonl(engine, filters, private_key, out)


# -- kiosks (`kiosk backend kiosk add|set|list`) -----------------------------------------------


def _register(args: argparse.Namespace, engine: Engine, *, create: bool) -> int:
    from backend import kiosk_health

    kiosk_id = _kiosk_id(args.kiosk_id)
    try:
        kiosk = kiosk_health.register(
            engine,
            kiosk_id,
            name=args.name,
            location=args.location,
            who=audit.cli_user(),
            now=datetime.now(UTC),
            create=create,
        )
    except kiosk_health.InvalidKioskLabel as error:
        raise CommandFailed(f"{error}; nothing was changed") from error
    except kiosk_health.KioskExists as error:
        raise CommandFailed(
            f"{kiosk_id} is registered already; change it with kiosk set {kiosk_id}"
        ) from error
    except kiosk_health.KioskUnknown as error:
        raise CommandFailed(
            f"{kiosk_id} is not registered; register it with kiosk add {kiosk_id} --location …"
        ) from error
    terminal.message(
        f"{kiosk['kiosk_id']}: {kiosk['name']}（{kiosk['location'] or '設置場所なし'}）"
        f" を{'登録' if create else '変更'}しました"
    )
    return 0


def kiosk_add(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    return _register(args, engine, create=True)


def kiosk_set(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    if args.name is None and args.location is None:
        raise CommandFailed("give --location or --name (or both); nothing was changed")
    return _register(args, engine, create=False)


def kiosk_list(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    from backend import kiosk_health

    found = [
        {"kiosk_id": row["kiosk_id"], "name": row["name"], "location": row["location"]}
        for row in kiosk_health.registered(engine).values()
    ]
    if args.json:
        terminal.json_document(found, indent=2)
        return 0
    terminal.lines(
        [f"{kiosk['kiosk_id']}  {kiosk['name']}  {kiosk['location']}" for kiosk in found],
        sys.stdout,
    )
    if not found:
        terminal.message("登録された端末はありません")
    return 0
