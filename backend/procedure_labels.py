"""Japanese titles, questions and option labels of the procedures, read from the catalog's
TOML (no validation: a staff listing must still print when one file is off). They make exports
stable (the columns of a procedure are its fields, whatever was answered) and `show` readable.
"""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from backend.catalog_bundle import CatalogSource, shipped_catalog
from core.catalog import APPLICANT_PAGE
from core.municipal_words import fill, words
from core.municipality import Municipality

APPLICANT_QUESTION = "申請する人"


@dataclass(frozen=True)
class FieldLabel:
    question: str
    options: dict[str, str] = field(default_factory=dict)  # value → label


@dataclass(frozen=True)
class ProcedureLabels:
    id: str
    title: str
    fields: dict[str, FieldLabel]  # field id → label, in page order
    # Repeated groups (core.catalog_pages.Group): group id → (its pages, its maximum), for
    # the export's numbered columns (movers.1.mover_name …).
    groups: dict[str, tuple[tuple[str, ...], int]] = field(default_factory=dict)


def _municipal_words(root: Path) -> dict[str, dict[str, str]]:
    """The catalog's municipality's words for {市} and {役所} (the first readable profile, as
    the console takes it); none: placeholders stay as written."""
    folder = root / "municipalities"
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            return words(Municipality.model_validate(raw))
        except (OSError, tomllib.TOMLDecodeError, ValidationError, ValueError):
            continue
    return {}


def load(catalog_dir: Path | None = None) -> dict[str, ProcedureLabels]:
    """Procedure id → its labels, for every readable procedure file of the catalog."""
    root = catalog_dir or shipped_catalog()
    folder = root / "procedures"
    filled = _municipal_words(root)

    def _ja(text: object) -> str:
        japanese = text.get("ja", "") if isinstance(text, dict) else str(text or "")
        return fill(japanese, "ja", filled)

    found: dict[str, ProcedureLabels] = {}
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        fields: dict[str, FieldLabel] = {}
        if len(raw.get("applicants", [])) > 1:
            # The kiosk asks this page itself when several kinds of applicant may apply.
            fields[APPLICANT_PAGE] = FieldLabel(APPLICANT_QUESTION)
        for page in raw.get("pages", []):
            if "id" in page:
                options = {
                    str(option.get("value")): _ja(option.get("label"))
                    for option in page.get("options", [])
                }
                fields[page["id"]] = FieldLabel(_ja(page.get("question")) or page["id"], options)
        groups = {
            str(group["id"]): (tuple(map(str, group.get("pages", ()))), int(group["maximum"]))
            for group in raw.get("groups", [])
            if isinstance(group, dict) and "id" in group and isinstance(group.get("maximum"), int)
        }
        if "id" in raw:
            found[raw["id"]] = ProcedureLabels(raw["id"], _ja(raw.get("title")), fields, groups)
    return found


_lock = threading.Lock()
_current: dict[str, dict[str, ProcedureLabels]] = {}


def load_current(source: CatalogSource) -> dict[str, ProcedureLabels]:
    """load() for the catalog a running backend serves, read again only when the catalog
    changed (pages ask on every request; parsing every procedure file took ~28 ms)."""
    version = source.current().version
    with _lock:
        known = _current.get(version)
    if known is not None:
        return known
    found = load(source.root)
    with _lock:
        _current.clear()  # only the served catalog's labels are worth keeping
        _current[version] = found
    return found
