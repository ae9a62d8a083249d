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

from backend import applications, audit
from backend.application_pdf import filled_form
from backend.catalog_bundle import CatalogSource
from backend.console.catalog_view import console_catalog
from backend.keys import load_private_key, open_payload
from backend.paths import BackendPaths
from core.application_form import render_form
from core.errors import CommandFailed, plain
from core.form_fonts import FormFontMissing
from core.sealing import SealingError


def write_private(path: Path, data: bytes) -> None:
    """Write data to path readable by its owner only (personal data), replacing a file there."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def print_form(args: argparse.Namespace, paths: BackendPaths, engine: Engine) -> int:
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
        raise CommandFailed(f"application {row['id']} cannot be opened: {error}") from error
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
