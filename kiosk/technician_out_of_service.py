"""Out of service (休止中): the technician's switch, and what the residents' notice says.

The switch writes `out_of_service` and `out_of_service_message` into kiosk.toml through
kiosk.config_writer (atomic, every hand-written line kept), then asks the services to read
every settings layer again. The message is one of a few presets chosen by touch (a kiosk has
no keyboard): kiosk.toml holds the preset's name, and the notice shows its text from the UI
text file in the resident's language. Any other text (an administrator's, pushed from the
backend's console, or typed into kiosk.toml by hand) is shown as written.

The notice sends residents to a staffed counter: the one that handles the most of the
procedures this kiosk offers (ties: the lower counter number). The kiosk is a way to apply for
those procedures, so that counter is where the same applications are taken in person; in the
sample city it is 市民課 証明窓口 (four of its procedures), not a counter for one procedure.
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.municipality import Counter, Municipality
from kiosk.config import ConfigError
from kiosk.config_writer import update_config
from kiosk.setting_sources import BACKEND, CONFIG_FILE, DEFAULT

if TYPE_CHECKING:
    from core.catalog import Procedure
    from kiosk.services import Services

log = logging.getLogger(__name__)

# Preset name (kept in kiosk.toml) → the technician's bilingual label. The residents' text
# for each is the UI text "out_of_service_<name>" (assets/i18n/ui.toml, every language).
PRESETS: dict[str, str] = {
    "maintenance": "点検中 / Maintenance",
    "system_update": "システム更新中 / System update",
    "closed_today": "本日の受付終了 / Closed for today",
}
NO_MESSAGE = ""
NO_MESSAGE_LABEL = "メッセージなし / No message"


@dataclass(frozen=True)
class SwitchState:
    """What the switch page shows."""

    on: bool  # in effect now
    message: str  # the preset's name, or free text
    overridden_by: str | None  # "backend", "KIOSK_OUT_OF_SERVICE" …: the file does not decide


def preset_label(message: str) -> str:
    if message == NO_MESSAGE:
        return NO_MESSAGE_LABEL
    return PRESETS.get(message, message)


def switch_state(services: Services) -> SwitchState:
    settings = services.settings
    source = next(
        (row.source for row in services.setting_sources() if row.name == "out_of_service"),
        None,
    )
    # Only the file is the switch's; a stronger layer (the backend, a variable) wins over it.
    overridden = source if source not in (None, DEFAULT, CONFIG_FILE) else None
    return SwitchState(settings.out_of_service, settings.out_of_service_message, overridden)


def state_lines(state: SwitchState) -> list[str]:
    lines = [
        "現在 / Now: "
        + ("休止中 / OUT OF SERVICE" if state.on else "運用中 / In service")
        + f"  ・メッセージ / Message: {preset_label(state.message)}"
    ]
    if state.overridden_by == BACKEND:
        lines.append(
            "バックエンドの設定が優先されています（管理画面で変更してください）"
            " / The backend's setting overrides this switch (change it on the console)"
        )
    elif state.overridden_by:
        lines.append(
            f"{state.overridden_by} が優先されています"
            f" / {state.overridden_by} overrides this switch"
        )
    return lines


def set_out_of_service(services: Services, on: bool, message: str = NO_MESSAGE) -> str | None:
    """Write the switch to kiosk.toml and apply it; None when done, else the problem in plain
    words (the file is then unchanged)."""
    if message not in PRESETS and message != NO_MESSAGE:
        raise ValueError(f"not a preset message: {message!r}")
    changes = {"out_of_service": on, "out_of_service_message": message if on and message else None}
    try:
        update_config(config_file(services), changes)
    except (ConfigError, OSError) as error:
        log.error("out-of-service switch not written: %s", error)
        return f"kiosk.toml に書けませんでした / kiosk.toml was not written: {error}"
    log.info("technician switched out of service %s (%s)", "on" if on else "off", message or "-")
    services.reload_settings()
    return None


def config_file(services: Services) -> Path:
    """The kiosk.toml the running settings were read from (`--config`), else the usual one."""
    origin = services.settings.origin
    if origin is not None and origin.config_file is not None:
        return origin.config_file
    return services.paths.config_file


def resident_message(message: str, t) -> str:
    """The notice's message line in the resident's language (t: the UI text lookup)."""
    if message in PRESETS:
        return t(f"out_of_service_{message}")
    return message


def nearest_counter(procedures: Iterable[Procedure], municipality: Municipality) -> Counter:
    """The counter that takes most of the procedures this kiosk offers in person (ties: the
    lower number); the module docstring says why."""
    tally = Tally(procedure.counter for procedure in procedures)
    counters = municipality.counters
    if not tally:
        return min(counters.values(), key=lambda counter: counter.number)
    # Every procedure's counter is one of the profile's (the catalog is cross-checked).
    return counters[min(tally, key=lambda key: (-tally[key], counters[key].number))]
