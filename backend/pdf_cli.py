"""`kiosk backend pdf ID -o FILE`: one application's filled-in 申請書 as a PDF file, from the
backend host's terminal (the console's 印刷 button makes the same PDF).

Like `kiosk backend show`, it opens the answers with the municipality's private key and writes
an audit entry (who = the operating-system user, `document: pdf`) before the file is written:
the file holds every answer. It is written with owner-only permissions.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sqlalchemy import Engine

from backend import audit
from backend.application_pdf import filled_form
from backend.catalog_bundle import CatalogSource
from backend.console.catalog_view import console_catalog
from backend.paths import BackendPaths
from backend.staff_cli import opened_application
from core.application_form import render_form
from core.errors import CommandFailed, plain
from core.form_fonts import FormFontMissing


def write_private(path: Path, data: bytes) -> None:
    """Write data to path readable by its owner only (personal data), replacing a file there."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def print_form(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
    row, given = opened_application(args, paths, engine)
    catalog = console_catalog(CatalogSource(args.catalog))
    try:
        data = render_form(filled_form(row, given, catalog))
    except FormFontMissing as error:
        raise CommandFailed(str(error)) from error
    audit.append(
        engine,
        who=audit.cli_user(),
        action=audit.Action.OPEN,
        kiosk_id=row["kiosk_id"],
        application_id=row["id"],
        detail={"via": "cli", "document": "pdf"},
    )
    try:
        write_private(args.output, data)
    except OSError as error:
        raise CommandFailed(f"cannot write {args.output}: {plain(error)}") from error
    print(f"{args.output}: {row['reception_number']} ({len(data) // 1024} KB)")
    return 0
