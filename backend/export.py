"""Exports for the back office: one row per application, CSV (for Excel) or JSON Lines.

CSV columns are stable per procedure: the fixed metadata columns, then one column per field
of the procedures exported (from the catalog, sorted by field id) whether answered or not,
then `answers_other` (JSON) for answers the catalog no longer knows (an older procedure
version) — so a spreadsheet or a macro built on one export fits the next.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, distinct, select

from backend import applications
from backend.applications import Filters
from backend.db import applications as applications_table
from backend.keys import open_payload
from backend.procedure_labels import ProcedureLabels

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


def _records(
    engine: Engine, filters: Filters, private_key: X25519PrivateKey
) -> Iterator[tuple[dict, dict]]:
    """(metadata, answers) per application, oldest received first."""
    for row in applications.each(engine, filters):
        payload = open_payload(row.pop("sealed"), private_key, row["id"])
        metadata = {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in row.items()
        }
        yield metadata, payload.get("answers", {})


def answer_fields(
    engine: Engine, filters: Filters, labels: dict[str, ProcedureLabels]
) -> list[str]:
    """The field ids of every procedure in the export, sorted (from the catalog)."""
    with engine.connect() as connection:
        procedures = connection.execute(
            select(distinct(applications_table.c.procedure_id)).where(*filters.where())
        ).scalars()
        fields = {
            field
            for procedure in procedures
            if procedure in labels
            for field in labels[procedure].fields
        }
    return sorted(fields)


def cell(value: Any) -> str:
    """One answer as spreadsheet text: scalars as they are, structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(
    engine: Engine,
    filters: Filters,
    private_key: X25519PrivateKey,
    labels: dict[str, ProcedureLabels],
    out: IO[str],
) -> int:
    """Write the CSV to a text stream (open it with encoding='utf-8-sig', newline=''); rows."""
    fields = answer_fields(engine, filters, labels)
    known = set(fields)
    writer = csv.writer(out, lineterminator="\r\n")  # what Excel writes and expects
    writer.writerow([*METADATA_COLUMNS, *(ANSWER_PREFIX + f for f in fields), OTHER_ANSWERS])
    rows = 0
    for metadata, answers in _records(engine, filters, private_key):
        other = {key: value for key, value in answers.items() if key not in known}
        writer.writerow(
            [cell(metadata[name]) for name in METADATA_COLUMNS]
            + [cell(answers.get(field)) for field in fields]
            + [cell(other) if other else ""]
        )
        rows += 1
    return rows


def write_jsonl(
    engine: Engine, filters: Filters, private_key: X25519PrivateKey, out: IO[str]
) -> int:
    """One JSON object per line: the metadata columns and "answers" (all of them)."""
    rows = 0
    for metadata, answers in _records(engine, filters, private_key):
        record = {name: metadata[name] for name in METADATA_COLUMNS}
        out.write(json.dumps({**record, "answers": answers}, ensure_ascii=False) + "\n")
        rows += 1
    return rows
