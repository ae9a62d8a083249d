"""Where each effective setting came from, for technician mode.

Precedence, weakest first: shipped defaults, kiosk.toml, settings from the backend
(data/backend-settings.json, kept from the last heartbeat reply), KIOSK_<SETTING> variables,
then the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from kiosk.config import Settings

DEFAULT = "default"
CONFIG_FILE = "kiosk.toml"
BACKEND = "backend"
COMMAND_LINE = "command line"
# Secrets are shown as set or not, never by value.
SECRET_SETTINGS = frozenset({"backend_token", "technician_pin_hash"})


@dataclass(frozen=True)
class SettingSource:
    name: str  # "idle_quiet_s"
    value: str  # as shown to a technician; a secret is "(set)" or ""
    source: str  # DEFAULT, CONFIG_FILE, BACKEND, "KIOSK_IDLE_QUIET_S" or COMMAND_LINE


def describe(settings: Settings) -> list[SettingSource]:
    """Every setting of settings, in declaration order: its effective value as text and the
    source that gave it (the layers load_settings read, recorded then). Settings built
    directly (tests) name a value given as the command line's, any other as the default."""
    origin = settings.origin
    found = origin.sources if origin is not None else {}
    given = settings.model_fields_set if origin is None else set()
    described = []
    for name in Settings.model_fields:
        source = found.get(name) or (COMMAND_LINE if name in given else DEFAULT)
        described.append(SettingSource(name, _shown(name, getattr(settings, name)), source))
    return described


def _shown(name: str, value: Any) -> str:
    if name in SECRET_SETTINGS:
        return "(set)" if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)
