"""The municipality's name for the console's header, from the catalog the backend serves
(municipalities/*.toml, `[name] ja`; the first profile by file name when there are several)."""

from __future__ import annotations

import threading
import tomllib

from backend.catalog_bundle import CatalogSource

FALLBACK = "窓口"

_lock = threading.Lock()
_by_version: dict[str, str] = {}


def municipality_name(catalog: CatalogSource) -> str:
    bundle = catalog.current()
    with _lock:
        known = _by_version.get(bundle.version)
    if known is not None:
        return known
    name = FALLBACK
    for path in sorted(bundle.files):
        if not path.startswith("municipalities/"):
            continue
        try:
            profile = tomllib.loads(bundle.files[path])
        except tomllib.TOMLDecodeError:
            continue
        found = profile.get("name", {}).get("ja") if isinstance(profile.get("name"), dict) else None
        if isinstance(found, str) and found.strip():
            name = found.strip()
            break
    with _lock:
        _by_version.clear()  # only the current catalog's name is worth keeping
        _by_version[bundle.version] = name
    return name
