"""Exports for the back office: one row per application, CSV (for Excel) or JSON Lines.

CSV columns are stable per procedure: the fixed metadata columns, then one column per field
of the procedures exported (from the catalog, sorted by field id) whether answered or not,
then `answers_other` (JSON) for answers the catalog no longer knows (an older procedure
version) — so a spreadsheet or a macro built on one export fits the next. Every cell goes
through core.csv_safe, so no cell opens as a formula in the clerk's spreadsheet.

An export holds decrypted personal data: a file it is written to is made readable by its owner
only (0600) before the first row; write_file also writes through a .partial file that is
removed if anything fails. An application whose sealed answers cannot be opened (received
before its content was checked, or under a replaced key) is skipped and reported, never the
end of the export. Each export is recorded in the audit log.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select

from backend import applications, audit
from backend.applications import Filters
from backend.db import applications as applications_table
from backend.keys import open_payload
from backend.procedure_labels import ProcedureLabels
from backend.validation import printable
from core import csv_safe
from core.name_choice import is_name_answer, name_text
from core.sealing import SealingError

# How an export and `kiosk backend show` mark a name the resident left in kana (the kiosk says
# the same in its own words: ui text name_not_confirmed).
NAME_NOT_CONFIRMED = "漢字未確認"

METADATA_COLUMNS = (
    "id",
    "reception_number",
    "procedure_id",
    "procedure_version",
    "kiosk_id",
    "created_at",
    "received_at",
    "staff_status",
    "status_changed_at",
)
ANSWER_PREFIX = "answer."
OTHER_ANSWERS = "answers_other"

# Told about each application left out: (kiosk_id, application id, why), never its content.
Skipped = Callable[[str, str, str], None]


def report_to_stderr(kiosk_id: str, application_id: str, reason: str) -> None:
    """The default for Skipped: one line for the person running the export."""
    print(
        f"申請 {printable(application_id, 40)}（端末 {printable(kiosk_id, 40)}）は開けないため"
        f"書き出していません: {printable(reason, 200)}",
        file=sys.stderr,
    )


def _records(
    engine: Engine, filters: Filters, private_key: X25519PrivateKey, skipped: Skipped
) -> Iterator[tuple[dict, dict]]:
    """(metadata, answers) per application that opens, oldest received first."""
    for row in applications.each(engine, filters):
        try:
            payload = open_payload(row.pop("sealed"), private_key, row["id"])
        except SealingError as error:
            skipped(row["kiosk_id"], row["id"], str(error))
            continue
        metadata = {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in row.items()
        }
        yield metadata, payload["answers"]


def answer_fields(
    engine: Engine, filters: Filters, labels: dict[str, ProcedureLabels]
) -> list[str]:
    """The field ids of every procedure in the export, sorted (from the catalog)."""
    with engine.connect() as connection:
        procedures = connection.execute(
            select(applications_table.c.procedure_id).distinct().where(*filters.where())
        ).scalars()
        fields: set[str] = set()
        for procedure in procedures:
            if procedure in labels:
                fields |= procedure_columns(labels[procedure])
    return sorted(fields, key=_column_order)


def procedure_columns(labels: ProcedureLabels) -> set[str]:
    """A procedure's answer columns: a field asked once is its id; a repeated group's pages
    are numbered up to the group's maximum ("movers.1.mover_name", "movers.2.mover_name" …),
    so a household of four is one row, as on the paper form."""
    grouped = {page for pages, _ in labels.groups.values() for page in pages}
    columns = {field for field in labels.fields if field not in grouped}
    for group, (pages, maximum) in labels.groups.items():
        columns |= {f"{group}.{n}.{page}" for n in range(1, maximum + 1) for page in pages}
    return columns


def _column_order(column: str) -> tuple:
    """Sorted by field id, members in their order (movers.2 before movers.10)."""
    group, _, rest = column.partition(".")
    number, _, page = rest.partition(".")
    return (group, int(number), page) if number.isascii() and number.isdigit() else (column, 0, "")


def column_value(answers: dict[str, Any], column: str) -> Any:
    """The answer a column holds: a member's answer for a numbered group column."""
    if column in answers:
        return answers[column]
    group, _, rest = column.partition(".")
    number, _, page = rest.partition(".")
    members = answers.get(group)
    if not (number.isascii() and number.isdigit()) or not isinstance(members, list):
        return None
    index = int(number) - 1
    member = members[index] if 0 <= index < len(members) else None
    return member.get(page) if isinstance(member, dict) else None


def cell(value: Any) -> str:
    """One answer as spreadsheet text: scalars as they are, structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_name_answer(value):
        # A name typed in kana with the kanji the resident chose: read as staff write it, and
        # a name left in kana is flagged for them to confirm.
        return name_text(value, NAME_NOT_CONFIRMED)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def owner_only(out: IO[str]) -> None:
    """Make the file behind out readable by its owner only; streams that are no regular file
    (a terminal, a pipe, memory) are left as they are."""
    try:
        descriptor = out.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor, or a closed stream
        return
    if stat.S_ISREG(os.fstat(descriptor).st_mode):
        with contextlib.suppress(PermissionError):  # someone else's file: not ours to change
            os.fchmod(descriptor, 0o600)


@contextlib.contextmanager
def _audited(
    engine: Engine,
    who: str | None,
    export_format: str,
    filters: Filters,
    address: str | None = None,
) -> Iterator[dict]:
    """Record the export, also one that failed half-way (the rows written were seen)."""
    counts: dict[str, Any] = {"rows": 0, "skipped": 0}

    def record() -> None:
        audit.append(
            engine,
            who=who or audit.cli_user(),
            action=audit.Action.EXPORT,
            detail={
                "format": export_format,
                "procedure_id": filters.procedure_id,
                "since": filters.since.isoformat() if filters.since else None,
                **({"status": str(filters.status)} if filters.status else {}),
                **({"kiosk_id": filters.kiosk_id} if filters.kiosk_id else {}),
                **counts,
            },
            address=address,
        )

    try:
        yield counts
    except BaseException:
        counts["failed"] = True
        with contextlib.suppress(Exception):  # the export's own failure is the one to report
            record()
        raise
    record()


def _counting(skipped: Skipped, counts: dict) -> Skipped:
    def note(kiosk_id: str, application_id: str, reason: str) -> None:
        counts["skipped"] += 1
        skipped(kiosk_id, application_id, reason)

    return note


def write_csv(
    engine: Engine,
    filters: Filters,
    private_key: X25519PrivateKey,
    labels: dict[str, ProcedureLabels],
    out: IO[str],
    *,
    skipped: Skipped = report_to_stderr,
    who: str | None = None,
    address: str | None = None,
) -> int:
    """Write the CSV to a text stream (open it with encoding='utf-8-sig', newline=''); rows.
    who (default: the user at this terminal) and address are recorded in the audit log."""
    owner_only(out)
    fields = answer_fields(engine, filters, labels)
    known = set(fields) | {group for item in labels.values() for group in item.groups}
    writer = csv_safe.writer(out)
    with _audited(engine, who, "csv", filters, address) as counts:
        writer.writerow([*METADATA_COLUMNS, *(ANSWER_PREFIX + f for f in fields), OTHER_ANSWERS])
        for metadata, answers in _records(engine, filters, private_key, _counting(skipped, counts)):
            other = {key: value for key, value in answers.items() if key not in known}
            writer.writerow(
                [cell(metadata[name]) for name in METADATA_COLUMNS]
                + [cell(column_value(answers, field)) for field in fields]
                + [cell(other) if other else ""]
            )
            counts["rows"] += 1
    return counts["rows"]


def write_jsonl(
    engine: Engine,
    filters: Filters,
    private_key: X25519PrivateKey,
    out: IO[str],
    *,
    skipped: Skipped = report_to_stderr,
    who: str | None = None,
    address: str | None = None,
) -> int:
    """One JSON object per line: the metadata columns and "answers" (all of them)."""
    owner_only(out)
    with _audited(engine, who, "jsonl", filters, address) as counts:
        for metadata, answers in _records(engine, filters, private_key, _counting(skipped, counts)):
            record = {name: metadata[name] for name in METADATA_COLUMNS}
            out.write(json.dumps({**record, "answers": answers}, ensure_ascii=False) + "\n")
            counts["rows"] += 1
    return counts["rows"]


def write_file(path: Path, encoding: str, write: Callable[[IO[str]], int]) -> int:
    """Run write (write_csv or write_jsonl bound to its arguments) into path: created 0600,
    written as path.partial and renamed when whole, the partial file removed if anything
    fails, so neither a half export nor a world-readable one is ever left behind."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding=encoding, newline="") as out:
            owner_only(out)  # O_CREAT's mode does not apply to a file that already existed
            rows = write(out)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return rows
