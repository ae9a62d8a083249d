"""One typed declaration of every kiosk setting, its default, and where its value comes from.

Precedence, lowest first: the defaults below, the TOML config file, the settings the backend
pushed (data/backend-settings.json, kept from the last heartbeat reply), environment variables
named KIOSK_<SETTING> (so a test, a container or a technician can point one run elsewhere),
then explicit overrides (the command line's flags).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from core.pushed_settings import PushedSettings
from core.wire import MAX_BATCH

# Re-exported: the paths, display choices and config sources every start reads first.
from kiosk.config_base import (  # noqa: F401
    APP_NAME,
    BACKEND_SETTINGS_FILE_NAME,
    BACKEND_SOURCE,
    CONFIG_FILE_NAME,
    DEFAULT_BACKEND_URL,
    DEFAULT_LANGUAGE,
    DEFAULT_MUNICIPALITY,
    ENV_PREFIX,
    ConfigError,
    DisplayChoice,
    KioskPaths,
    Profile,
    TextSize,
    Theme,
    read_layers,
    read_values,
    resolve_paths,
)

log = logging.getLogger(__name__)

# The source of a value given to load_settings itself (a command-line flag, a test).
OVERRIDE_SOURCE = "command line"


class Settings(BaseModel):
    """Every setting of a kiosk. Field names are the TOML keys; KIOSK_<NAME> overrides each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kiosk_id: str = Field("kiosk-01", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    # One letter printed before the daily number so two kiosks of one office never share a
    # reception number. Letters that look alike (I, O, Q, S, Z) are excluded.
    kiosk_letter: str = Field("A", pattern=r"^[ABCDEFGHJKLMNPRTUVWXY]$")
    municipality: str = Field(DEFAULT_MUNICIPALITY, description="municipality profile in assets")
    # A municipality's own catalog files (procedures/, municipalities/ …), overriding the
    # shipped ones of the same file name.
    catalog_dir: Path | None = None
    language: str = DEFAULT_LANGUAGE
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
    # Out of service (休止中): residents see a notice with this message and the nearest
    # staffed counter instead of the home screen; switched in technician mode or by the backend.
    out_of_service: bool = False
    out_of_service_message: str = Field("", max_length=200)
    # The procedures this kiosk offers (ids from the catalog); empty: all the municipality's.
    procedures: tuple[str, ...] = ()

    # How these settings were read, so they can be read again between residents and each
    # value's source shown to a technician (not a setting: never compared or written).
    _origin: SettingsOrigin | None = PrivateAttr(default=None)

    @property
    def origin(self) -> SettingsOrigin | None:
        return self._origin

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Settings:
        """A copy; the values updated count as explicit overrides, so that reading the layers
        again (between residents) keeps them."""
        copy = super().model_copy(update=update, deep=deep)
        if update and self._origin is not None:
            copy._origin = replace(
                self._origin,
                overrides={**self._origin.overrides, **update},
                sources={**self._origin.sources, **dict.fromkeys(update, OVERRIDE_SOURCE)},
            )
        return copy


@dataclass(frozen=True)
class SettingsOrigin:
    """Where load_settings read a Settings from, and which source gave each value."""

    config_file: Path | None
    environ: dict[str, str] | None  # None: the process's environment at the time of reading
    data_dir: Path | None
    overrides: dict[str, Any] = field(default_factory=dict)
    read_config_file: bool = True
    # Setting name → the source of its value (a name absent here has its default).
    sources: dict[str, str] = field(default_factory=dict, compare=False)


def load_settings(
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    data_dir: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build Settings from defaults, the config file, the settings kept from the backend (in
    data_dir; by default the data folder resolve_paths names), KIOSK_* variables and explicit
    overrides.

    An explicitly named config file must exist; the default one is optional.
    """
    overrides = {key: value for key, value in overrides.items() if value is not None}
    return read_settings(SettingsOrigin(config_file, environ, data_dir, overrides))


def read_settings(origin: SettingsOrigin) -> Settings:
    """Settings read from every layer origin names (again, between residents)."""
    data_dir = origin.data_dir or resolve_paths(origin.environ).data_dir
    names = list(Settings.model_fields)
    layers = read_layers(
        names,
        origin.config_file,
        origin.environ,
        data_dir / BACKEND_SETTINGS_FILE_NAME,
        read_config_file=origin.read_config_file,
    )
    layers = [
        (source, _checked_backend_values(data_dir, values) if source == BACKEND_SOURCE else values)
        for source, values in layers
    ]
    layers.append((OVERRIDE_SOURCE, dict(origin.overrides)))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        values.update(layer)
        sources.update(dict.fromkeys(layer, source))
    settings = _validated(values)
    settings._origin = SettingsOrigin(
        origin.config_file,
        origin.environ,
        origin.data_dir,
        origin.overrides,
        origin.read_config_file,
        sources,
    )
    return settings


def _checked_backend_values(data_dir: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The backend's settings as the shared model accepts them; all of them ignored (logged)
    when one is refused: a damaged file must not stop the kiosk, which keeps the others."""
    try:
        return PushedSettings.model_validate(values).values()
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, issue["loc"])) for issue in error.errors()[:5])
        log.error(
            "%s holds settings this kiosk refuses (%s); the backend's settings are ignored",
            data_dir / BACKEND_SETTINGS_FILE_NAME,
            fields,
        )
        return {}


def _validated(values: dict[str, Any]) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from error
