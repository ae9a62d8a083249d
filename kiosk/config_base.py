"""What every start of the kiosk needs before the validation library is loaded: where its
files are, the display choices and their defaults, and the raw values of the config file, the
settings kept from the backend and the KIOSK_* variables.

kiosk.config validates every setting (pydantic); the first painted screen reads only the
display choices from here, so it appears before pydantic, the catalog or the store are imported.
"""

from __future__ import annotations

import logging
import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

APP_NAME = "madoguchi"
ENV_PREFIX = "KIOSK_"
CONFIG_FILE_NAME = "kiosk.toml"
# The settings the backend pushed with its last heartbeat reply (kiosk/sync/heartbeat.py).
BACKEND_SETTINGS_FILE_NAME = "backend-settings.json"
# Where each layer's values come from, as technician mode names them (kiosk.setting_sources).
CONFIG_FILE_SOURCE = CONFIG_FILE_NAME
BACKEND_SOURCE = "backend"
# The settings the backend may push (core/pushed_settings.py's, repeated so that the first
# screen is painted before pydantic loads; tests/test_pushed_settings.py checks they agree).
BACKEND_SETTING_NAMES = frozenset(
    {
        "practice",
        "out_of_service",
        "out_of_service_message",
        "idle_quiet_s",
        "idle_warning_s",
        "text_size",
        "procedures",
    }
)
# The backend `kiosk backend serve` starts by default, on this machine.
DEFAULT_BACKEND_URL = "http://127.0.0.1:8765"


class Profile(StrEnum):
    KIOSK = "kiosk"  # 1920x1080 counter terminal, fullscreen
    PHONE = "phone"  # ≈390x844 portrait window for smartphone-class projection


class Theme(StrEnum):
    STANDARD = "standard"
    HIGH_CONTRAST = "high_contrast"


class TextSize(StrEnum):
    STANDARD = "standard"
    LARGE = "large"
    LARGEST = "largest"


DEFAULT_LANGUAGE = "ja"
DEFAULT_MUNICIPALITY = "sample-city"


# The records read before the first paint are NamedTuples, not dataclasses: defining a frozen
# dataclass costs 0.5-2 ms (its methods are compiled at import), and `kiosk bench` measures
# the start against a bare Qt window (tests/test_startup.py keeps dataclasses off that path).
class KioskPaths(NamedTuple):
    """Where the kiosk reads and writes at run time; never inside the source tree."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    @property
    def catalog_snapshot(self) -> Path:
        """The last catalog that loaded cleanly: used when the files on disk turn bad."""
        return self.data_dir / "catalog-last-good.json"

    @property
    def pulled_catalog(self) -> Path:
        """The catalog last pulled from the backend (a symlink to one validated folder)."""
        return self.data_dir / "catalog-pulled"

    @property
    def backend_token_file(self) -> Path:
        """The token this kiosk got from the backend on this machine (default provisioning)."""
        return self.data_dir / "backend-token"

    @property
    def receipt_signing_key(self) -> Path:
        """This kiosk's own Ed25519 key (0600) that signs sealed receipt QR codes."""
        return self.data_dir / "receipt-signing-key.pem"

    @property
    def pinned_seal_key(self) -> Path:
        """The fingerprint of the sealing key first used, so a swapped key is noticed."""
        return self.data_dir / "seal-key.fingerprint"

    @property
    def backend_settings(self) -> Path:
        """The settings the backend last pushed, kept across restarts and while offline."""
        return self.data_dir / BACKEND_SETTINGS_FILE_NAME

    @property
    def printer_output(self) -> Path:
        return self.data_dir / "printer-sim"

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE_NAME

    def create(self) -> None:
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


class ConfigError(Exception):
    """A configuration problem, worded for the technician who has to fix it."""


def resolve_paths(environ: dict[str, str] | None = None) -> KioskPaths:
    """KIOSK_HOME puts everything under one folder; otherwise the platform's usual places."""
    environ = os.environ if environ is None else environ
    home = environ.get("KIOSK_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return KioskPaths(root / "config", root / "data", root / "logs")
    import platformdirs  # only where KIOSK_HOME does not say it all

    return KioskPaths(
        Path(platformdirs.user_config_dir(APP_NAME)),
        Path(platformdirs.user_data_dir(APP_NAME)),
        Path(platformdirs.user_log_dir(APP_NAME)),
    )


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from error


def read_backend_settings(path: Path) -> dict[str, Any]:
    """The settings kept from the backend (a JSON object), unchecked; {} when there are none,
    or when the file is damaged (logged: a kiosk never stops over it, it keeps the rest)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        log.error("%s cannot be read (%s); the backend's settings are ignored", path, error)
        return {}
    import json  # here: most starts have no such file, and json costs the first paint 2 ms

    try:
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, dict):
        log.error("%s is damaged (not a JSON object); the backend's settings are ignored", path)
        return {}
    return values


def read_layers(
    names: tuple[str, ...] | list[str],
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    backend_file: Path | None = None,
    *,
    read_config_file: bool = True,
) -> list[tuple[str, dict[str, Any]]]:
    """Each source's raw values, weakest first: the config file (all its keys), the settings
    kept from the backend (backend_file; the pushable ones named), then one layer per KIOSK_<NAME>
    variable set. An explicitly named config file must exist; the default one is optional."""
    environ = dict(os.environ if environ is None else environ)
    layers: list[tuple[str, dict[str, Any]]] = []
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: no such config file")
        layers.append((CONFIG_FILE_SOURCE, _read_config_file(config_file)))
    elif read_config_file:
        default_file = resolve_paths(environ).config_file
        if default_file.is_file():
            layers.append((CONFIG_FILE_SOURCE, _read_config_file(default_file)))
    if backend_file is not None:
        pushed = read_backend_settings(backend_file)
        wanted = BACKEND_SETTING_NAMES.intersection(names)
        layers.append((BACKEND_SOURCE, {k: v for k, v in pushed.items() if k in wanted}))
    for name in names:
        variable = ENV_PREFIX + name.upper()
        value = environ.get(variable)
        if value is not None:
            layers.append((variable, {name: value}))
    return layers


def read_values(
    names: tuple[str, ...] | list[str],
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    backend_file: Path | None = None,
) -> dict[str, Any]:
    """The settings named, from the config file, the settings kept from the backend (when
    backend_file is given), then KIOSK_<NAME> variables (which win over both).

    An explicitly named config file must exist; the default one is optional.
    """
    values: dict[str, Any] = {}
    for _, layer in read_layers(names, config_file, environ, backend_file):
        values.update(layer)
    return values


class DisplayChoice(NamedTuple):
    """How the first screen looks: enough to paint it before the settings are validated
    (kiosk.config does that next; a value it refuses stops the kiosk with its message)."""

    profile: Profile = Profile.KIOSK
    language: str = DEFAULT_LANGUAGE
    theme: Theme = Theme.STANDARD
    text_size: TextSize = TextSize.STANDARD
    practice: bool = False

    # The settings this class reads (kiosk.first_screen reads them with two more at once).
    NAMES = ("profile", "language", "theme", "text_size", "practice")

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> DisplayChoice:
        """From read_values' raw values; one the validated settings will refuse falls back to
        its default here (the kiosk stops with the refusal's message a moment later)."""
        default = cls()

        def choice(enum: type[StrEnum], name: str) -> Any:
            try:
                return enum(values.get(name, getattr(default, name)))
            except ValueError:
                return getattr(default, name)

        practice = values.get("practice", False)
        return cls(
            profile=choice(Profile, "profile"),
            language=str(values.get("language", default.language)),
            theme=choice(Theme, "theme"),
            text_size=choice(TextSize, "text_size"),
            practice=practice is True or str(practice).lower() in ("1", "true", "yes", "on"),
        )
