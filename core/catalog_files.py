"""Reading catalog files: procedures, categories and municipality profiles (TOML).

Every problem names the file, the place in it and what is wrong, in words a municipal clerk
understands. A kiosk whose catalog turns bad keeps running on the last good one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.catalog import Catalog, CatalogError, Category, Procedure
from core.errors import plain
from core.fees import check_fee_table
from core.life_events import LifeEvent, cross_check_events
from core.municipal_words import PLACEHOLDERS, filled_model, placeholders_in
from core.municipality import Municipality

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

_PLAIN_WORDS = {
    "missing": "is missing",
    "extra_forbidden": "is not a known setting (a typo?)",
    "string_pattern_mismatch": "may only use lower-case letters a–z, digits and _",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_from_datetime_parsing": "must be a date such as 2024-04-01",
    "date_parsing": "must be a date such as 2024-04-01",
    "too_short": "needs at least one entry",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
}


def _place(location: tuple, raw: Any) -> str:
    """('pages', 2, 'options') -> "pages[3] ('purpose').options": 1-based, with the page id."""
    words: list[str] = []
    node = raw
    for part in location:
        if isinstance(part, int):
            label = f"[{part + 1}]"
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                item_id = node[part].get("id") or node[part].get("value")
                if item_id:
                    label += f" ('{item_id}')"
            words[-1:] = [(words[-1] if words else "") + label]
        else:
            words.append(str(part))
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
    return ".".join(words) or "(the whole file)"


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and part < len(node)


def _message(error: dict) -> str:
    kind = error["type"]
    if kind in _PLAIN_WORDS:
        return _PLAIN_WORDS[kind]
    if kind in ("enum", "literal_error"):
        # The value written, then the allowed ones: "'singel_choice' is not one of: …".
        written = error.get("input")
        shown = f"'{written}'" if isinstance(written, str) else repr(written)
        return f"{shown} is not one of: " + error.get("ctx", {}).get("expected", "")
    return error["msg"].removeprefix("Value error, ")


def describe(error: ValidationError, raw: Any, label: str) -> list[str]:
    problems = []
    for item in error.errors():
        location = tuple(part for part in item["loc"] if part not in ("function-after",))
        problems.append(f"{label}: {_place(location, raw)}: {_message(item)}")
    return problems


def read_model(model: type[M], source: Traversable | Path, label: str) -> M:
    """Parse and validate one file; raise CatalogError with every problem it has, and never
    anything else: whatever a file holds, the caller gets words, not a crash."""
    try:
        raw = tomllib.loads(source.read_text("utf-8"))
    except UnicodeDecodeError as error:
        raise CatalogError([f"{label}: not UTF-8 text (save it as UTF-8)"]) from error
    except tomllib.TOMLDecodeError as error:
        raise CatalogError([f"{label}: not valid TOML ({error})"]) from error
    except RecursionError:
        raise CatalogError([f"{label}: {_TOO_DEEP}"]) from None
    except OSError as error:  # a folder named *.toml, no permission, a name the disk refuses
        raise CatalogError([f"{label}: cannot be read ({plain(error)})"]) from error
    try:
        found = model.model_validate(raw)
    except ValidationError as error:
        raise CatalogError(describe(error, raw, label)) from error
    except RecursionError:
        raise CatalogError([f"{label}: {_TOO_DEEP}"]) from None
    unknown = _unknown_placeholders(raw, label, raw)
    if unknown:
        raise CatalogError(unknown)
    return found


def _unknown_placeholders(raw: Any, label: str, root: Any, place: tuple = ()) -> list[str]:
    """Texts with a {…} that is not a municipality word ({市}, {役所}): a typo such as {町}
    would otherwise reach the screen as it is written."""
    problems: list[str] = []
    if isinstance(raw, str):
        for token in placeholders_in(raw):
            if token == MEMBER_NUMBER and "member_label" in place:
                continue  # a group's 「{n}人目の方」: the member's number (catalog_pages.Group)
            problems.append(
                f"{label}: {_place(place, root)}: '{token}' is not a placeholder"
                f" (allowed: {', '.join(PLACEHOLDERS)})"
            )
        return problems
    if isinstance(raw, dict):
        items = list(raw.items())
    else:
        items = list(enumerate(raw)) if isinstance(raw, list) else []
    for key, value in items:
        problems += _unknown_placeholders(value, label, root, (*place, key))
    return problems


MEMBER_NUMBER = "{n}"
_TOO_DEEP = "lists or tables are nested too deeply to be a catalog file"


@dataclass
class CatalogFiles:
    """Where one catalog comes from: the shipped assets, then a municipality's own folder."""

    override_dir: Path | None = None
    problems: list[str] = field(default_factory=list)

    def _folders(self, name: str) -> list[Traversable | Path]:
        folders: list[Traversable | Path] = [resources.files("assets").joinpath(name)]
        if self.override_dir is not None and (self.override_dir / name).is_dir():
            folders.append(self.override_dir / name)
        return folders

    def _files(self, name: str) -> dict[str, Traversable | Path]:
        """File name -> file; a municipality's file replaces the shipped one of that name."""
        found: dict[str, Traversable | Path] = {}
        for folder in self._folders(name):
            if not folder.is_dir():
                continue  # a catalog without life events (say) is still a catalog
            for entry in sorted(folder.iterdir(), key=lambda e: e.name):
                if entry.name.endswith(".toml"):
                    found[entry.name] = entry
        return found

    def _read_all(self, model: type[M], folder: str, problems: list[str]) -> dict[str, M]:
        """Every file of one folder by id; each problem is noted and the file skipped."""
        found: dict[str, M] = {}
        for name, entry in self._files(folder).items():
            try:
                item = read_model(model, entry, f"{folder}/{name}")
            except CatalogError as error:
                problems += error.problems
                continue
            if item.id in found:
                problems.append(f"{folder}/{name}: id: '{item.id}' is used twice")
            found[item.id] = item
        return found

    def load(self, municipality_id: str) -> Catalog:
        try:
            return self._load(municipality_id)
        except CatalogError:
            raise
        except Exception as error:  # a folder that cannot be listed, a bug: still words
            log.exception("catalog could not be loaded")
            raise CatalogError([f"the catalog could not be loaded ({plain(error)})"]) from error

    def _load(self, municipality_id: str) -> Catalog:
        problems: list[str] = []
        procedures = self._read_all(Procedure, "procedures", problems)
        categories = self._read_all(Category, "categories", problems)
        events = self._read_all(LifeEvent, "life_events", problems)
        profile = self._files("municipalities").get(f"{municipality_id}.toml")
        if profile is None:
            raise CatalogError([f"no municipality profile named '{municipality_id}'"])
        try:
            municipality = read_model(Municipality, profile, f"municipalities/{profile.name}")
        except CatalogError as error:
            raise CatalogError(problems + error.problems) from error
        if problems:
            raise CatalogError(problems)
        return _assemble(municipality, procedures, categories, events)


def _assemble(
    municipality: Municipality,
    procedures: dict[str, Procedure],
    categories: dict[str, Category],
    events: dict[str, LifeEvent],
) -> Catalog:
    # Every text says this municipality's 市・町・村・区 and office name (core.municipal_words).
    procedures = {key: filled_model(p, municipality) for key, p in procedures.items()}
    categories = {key: filled_model(c, municipality) for key, c in categories.items()}
    events = {key: filled_model(e, municipality) for key, e in events.items()}
    catalog = Catalog(municipality, procedures, categories, events)
    problems = cross_check_events(events, catalog)
    if problems:
        raise CatalogError(problems)
    return catalog


def load_catalog(municipality_id: str, override_dir: Path | None = None) -> Catalog:
    return CatalogFiles(override_dir).load(municipality_id)


def check_paths(paths: list[Path]) -> list[str]:
    """`kiosk catalog check`: validate files (or folders of them) on their own."""
    problems: list[str] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # In a folder, only the catalog's own sub-folders hold catalog files (not i18n/).
            files += [f for f in sorted(path.rglob("*.toml")) if _CATALOG_FOLDERS & set(f.parts)]
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    profiles: dict[Path, Municipality] = {}
    procedures: dict[str, Procedure] = {}
    for path in files:
        model = _model_for(path)
        try:
            found = read_model(model, path, str(path))
        except CatalogError as error:
            problems += error.problems
            continue
        if isinstance(found, Municipality):
            profiles[path] = found
        elif isinstance(found, Procedure):
            procedures[found.id] = found
    if profiles:
        # A profile's fee table names procedures, pages and options: checked against the
        # procedures given here, else the shipped ones of that id.
        known = {**CatalogFiles()._read_all(Procedure, "procedures", []), **procedures}
        for path, profile in profiles.items():
            problems += check_fee_table(profile, known, str(path))
    return problems


_CATALOG_FOLDERS = {"procedures", "categories", "life_events", "municipalities"}


def _model_for(path: Path) -> type[BaseModel]:
    parts = set(path.parts)
    if "municipalities" in parts:
        return Municipality
    if "categories" in parts:
        return Category
    if "life_events" in parts:
        return LifeEvent
    return Procedure


@dataclass
class LoadedCatalog:
    catalog: Catalog
    problems: list[str]  # empty when the catalog on disk is good
    from_snapshot: bool


def load_with_last_good(
    municipality_id: str, snapshot: Path, override_dir: Path | None = None
) -> LoadedCatalog:
    """Load the catalog; remember it when good; fall back to the last good one when not.

    Raises CatalogError only when the files are bad and no good catalog can be read back.
    """
    try:
        catalog = load_catalog(municipality_id, override_dir)
    except CatalogError as error:
        if not snapshot.is_file():
            raise
        log.error("catalog has %d problem(s); using the last good catalog", len(error.problems))
        try:
            kept = _read_snapshot(snapshot)
        except Exception as unreadable:  # a damaged snapshot: report both, crash on neither
            raise CatalogError(
                [*error.problems, f"the last good catalog cannot be read ({plain(unreadable)})"]
            ) from unreadable
        return LoadedCatalog(kept, error.problems, from_snapshot=True)
    try:
        _write_snapshot(catalog, snapshot)
    except OSError as error:  # a full disk: this catalog is good and in memory; run on it
        log.error("the last good catalog could not be kept: %s", plain(error))
        with contextlib.suppress(OSError):
            snapshot.with_suffix(".tmp").unlink(missing_ok=True)
    return LoadedCatalog(catalog, [], from_snapshot=False)


def _write_snapshot(catalog: Catalog, snapshot: Path) -> None:
    # Rewritten only when the content changed: a kiosk starts many times a day.
    version_file = snapshot.with_suffix(".version")
    version = catalog.content_version
    if snapshot.is_file() and version_file.is_file() and version_file.read_text() == version:
        return
    content = {
        "municipality": catalog.municipality.model_dump(
            mode="json", by_alias=True, exclude_none=True
        ),
        "categories": [
            c.model_dump(mode="json", exclude_none=True) for c in catalog.categories.values()
        ],
        "procedures": [
            p.model_dump(mode="json", by_alias=True, exclude_none=True)
            for p in catalog.all_procedures()
        ],
        "life_events": [
            e.model_dump(mode="json", by_alias=True, exclude_none=True)
            for e in catalog.life_events.values()
        ],
    }
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    temporary = snapshot.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, snapshot)  # atomic: a crash leaves the old snapshot or the new one
    version_file.write_text(version)


def _read_snapshot(snapshot: Path) -> Catalog:
    content = json.loads(snapshot.read_text(encoding="utf-8"))
    procedures = {p["id"]: Procedure.model_validate(p) for p in content["procedures"]}
    categories = {c["id"]: Category.model_validate(c) for c in content["categories"]}
    events = {e["id"]: LifeEvent.model_validate(e) for e in content.get("life_events", [])}
    return _assemble(
        Municipality.model_validate(content["municipality"]), procedures, categories, events
    )
