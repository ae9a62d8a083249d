"""One typed declaration of every kiosk setting, its default, and where its value comes from.

Precedence, lowest first: the defaults below, the TOML config file, then environment variables
named KIOSK_<SETTING> (so a test, a container or a technician can point one run elsewhere).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.wire import MAX_BATCH

APP_NAME = "madoguchi"
ENV_PREFIX = "KIOSK_"
CONFIG_FILE_NAME = "kiosk.toml"
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


class Settings(BaseModel):
    """Every setting of a kiosk. Field names are the TOML keys; KIOSK_<NAME> overrides each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kiosk_id: str = Field("kiosk-01", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    # One letter printed before the daily number so two kiosks of one office never share a
    # reception number. Letters that look alike (I, O, Q, S, Z) are excluded.
    kiosk_letter: str = Field("A", pattern=r"^[ABCDEFGHJKLMNPRTUVWXY]$")
    municipality: str = Field("sample-city", description="municipality profile in assets")
    # A municipality's own catalog files (procedures/, municipalities/ …), overriding the
    # shipped ones of the same file name.
    catalog_dir: Path | None = None
    language: str = "ja"
    profile: Profile = Profile.KIOSK
    theme: Theme = Theme.STANDARD
    text_size: TextSize = TextSize.STANDARD
    practice: bool = False
    backend_url: str = DEFAULT_BACKEND_URL
    # This kiosk's bearer token towards the backend. Empty with the default backend_url: the
    # kiosk provisions itself from the backend on this machine (kiosk backend serve).
    backend_token: str = ""
    request_timeout_s: float = Field(5.0, gt=0, le=120)
    # CA certificates (PEM) to verify the backend's TLS certificate; empty: the system's (via
    # certifi). Verification is never switched off.
    ca_bundle: Path | None = None
    # Applications per request to the backend; the backend refuses more than MAX_BATCH.
    sync_batch: int = Field(100, ge=1, le=MAX_BATCH)
    # Seconds between heartbeats (device states, queue, staff alerts); one is also sent right
    # after a staff call or a device problem.
    heartbeat_interval_s: float = Field(60.0, ge=5, le=3600)
    # Days a sealed payload stays on the kiosk after the backend acknowledged it (0: at once).
    retention_days: int = Field(30, ge=0, le=3650)
    # Device URLs: "sim" (the built-in simulator), serial:///dev/serial/by-id/…?baud=N (name
    # ports by stable identity, never /dev/ttyUSB0), tcp://HOST:9100; "" means no such device.
    printer: str = "sim"
    printer_model: str = Field("tm-t88", pattern=r"^(tm-t88|tm-m30|generic)$")
    scanner: str = ""
    # My Number Card reader: "pcsc" (the first PC/SC reader), "pcsc:READER NAME", "sim" (the
    # demo card, in process) or "" for none.
    card_reader: str = Field("", pattern=r"^(|sim|pcsc|pcsc:.+)$")
    # Salted scrypt hash of the technician's PIN (`kiosk technician pin` makes it); empty:
    # the locked kiosk screen cannot be left by touch.
    technician_pin_hash: str = ""
    # Public key that applications are sealed to (PEM, X25519). Empty: no real applications.
    seal_public_key: Path | None = None
    # The expected fingerprint (core.sealing.fingerprint) of that key; a key that differs is
    # refused (no real applications). Empty: the local backend's key is pinned on first use.
    seal_key_fingerprint: str = Field("", pattern=r"^([0-9a-f]{16})?$")
    # A damaged database (integrity check failed) stops the kiosk. Set for ONE start (e.g.
    # KIOSK_RECOVER_DAMAGED_STORE=1) to keep the damaged file aside and start an empty one.
    recover_damaged_store: bool = False
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    # No touch for idle_quiet_s: a warning counts down idle_warning_s, then answers are wiped.
    idle_quiet_s: float = Field(90.0, ge=10, le=3600)
    idle_warning_s: float = Field(30.0, ge=20, le=300)


@dataclass(frozen=True)
class KioskPaths:
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
    def pinned_seal_key(self) -> Path:
        """The fingerprint of the sealing key first used, so a swapped key is noticed."""
        return self.data_dir / "seal-key.fingerprint"

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


def _environment_overrides(environ: dict[str, str]) -> dict[str, str]:
    overrides = {}
    for name in Settings.model_fields:
        value = environ.get(ENV_PREFIX + name.upper())
        if value is not None:
            overrides[name] = value
    return overrides


def load_settings(
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from defaults, the config file, KIOSK_* variables and explicit overrides.

    An explicitly named config file must exist; the default one is optional.
    """
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: no such config file")
        values.update(_read_config_file(config_file))
    else:
        default_file = resolve_paths(environ).config_file
        if default_file.is_file():
            values.update(_read_config_file(default_file))
    values.update(_environment_overrides(environ))
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from error
