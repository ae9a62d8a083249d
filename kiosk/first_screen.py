"""What the first painted screen shows, read before anything heavy is imported.

The kiosk paints its home screen from these facts alone — the display choices, the common UI
texts and the municipality's name and opening hours, read with tomllib — and builds the rest
(validated settings, catalog, store, sealing, devices, sync) after that first paint. The home
screen is then drawn again from the validated catalog, so a fact read here is shown at most
until the kiosk is ready.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from core.ui_text import UiText, assets_folder, in_language
from kiosk.config_base import DEFAULT_MUNICIPALITY, DisplayChoice, KioskPaths, read_values

# The home screen's words are all in home.toml, a small file of their own (tests/test_startup.py
# checks it): parsing the whole of ui.toml (48 KB) would hold the first paint about 5 ms.
FIRST_SCREEN_TEXTS = ("home.toml",)


class FirstScreen(NamedTuple):  # (a NamedTuple: see kiosk.config_base.KioskPaths)
    choice: DisplayChoice
    ui: UiText
    municipality_name: dict[str, str]  # empty: none found (the catalog's load says why)
    opening_hours: dict[str, str]

    def text(self, key: str, language: str, **values: object) -> str:
        return self.ui.get(key, language, **values)

    def name(self, language: str) -> str:
        return in_language(self.municipality_name, language) if self.municipality_name else ""

    def hours(self, language: str) -> str:
        return in_language(self.opening_hours, language) if self.opening_hours else ""


def read_first_screen(
    paths: KioskPaths,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> FirstScreen:
    """The first screen's facts; a config file that cannot be read raises ConfigError here,
    anything else the validated settings will refuse is reported by them a moment later."""
    # The backend's text_size and practice count too (a cheap JSON read; a damaged file is
    # logged and ignored, and the validated settings decide a moment later).
    values = read_values(
        (*DisplayChoice.NAMES, "municipality", "catalog_dir"),
        config_file,
        environ,
        paths.backend_settings,
    )
    values.update({key: value for key, value in overrides.items() if value is not None})
    profile = _municipality_profile(
        paths, str(values.get("municipality") or DEFAULT_MUNICIPALITY), values.get("catalog_dir")
    )
    return FirstScreen(
        DisplayChoice.from_values(values),
        UiText.load(only=FIRST_SCREEN_TEXTS),
        _texts(profile.get("name")),
        _texts(profile.get("opening_hours")),
    )


def _municipality_profile(paths: KioskPaths, municipality: str, catalog_dir: Any) -> dict:
    """The profile the catalog will most likely use: the technician's catalog_dir, else the
    catalog pulled from the backend, else the shipped one (kiosk.app decides for real)."""
    name = f"{municipality}.toml"
    candidates: list[Any] = []
    if catalog_dir:
        candidates.append(Path(catalog_dir) / "municipalities" / name)
    elif paths.pulled_catalog.is_symlink():
        candidates.append(paths.pulled_catalog / "municipalities" / name)
    candidates.append(assets_folder("municipalities") / name)
    for candidate in candidates:
        try:
            return tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue  # the full catalog load reports it in plain words
    return {}


def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, dict) and str(value.get("ja", "")).strip():
        return {str(code): str(text) for code, text in value.items()}
    return {}
