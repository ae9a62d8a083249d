"""The catalog the phone form asks from: the files the backend serves to kiosks
(app.state.catalog), read with core's own loader, once per catalog version. So the phone
offers what the kiosks offer, with the same questions, options, rules and texts."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from backend.catalog_bundle import CatalogSource, shipped_catalog
from core.area import MunicipalArea
from core.catalog import Catalog
from core.catalog_files import load_catalog
from core.i18n import UiText
from core.postal_area import municipal_area


@dataclass(frozen=True)
class PhoneCatalog:
    catalog: Catalog
    ui: UiText

    def area(self) -> MunicipalArea:
        """The municipality's postal codes and 町名, for in-city pages as the kiosk checks
        them (read from the offline postal data once per process, on first use)."""
        return municipal_area(self.catalog.municipality)


_lock = threading.Lock()
_cache: dict[tuple[str, str], PhoneCatalog] = {}


def _municipality_id(root: Path) -> str:
    """The profile the backend serves: the catalog folder's one municipality (the first by
    name, should a folder hold several)."""
    profiles = sorted((root / "municipalities").glob("*.toml"))
    if not profiles:
        return "sample-city"
    return profiles[0].stem


def phone_catalog(source: CatalogSource) -> PhoneCatalog:
    """The catalog for the current version of the served files (CatalogError if broken)."""
    version = source.current().version
    root = Path(source.root)
    key = (str(root), version)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    override = None if root == shipped_catalog() else root
    loaded = PhoneCatalog(load_catalog(_municipality_id(root), override), UiText.load())
    with _lock:
        _cache.clear()  # only the newest version is asked from
        _cache[key] = loaded
    return loaded
