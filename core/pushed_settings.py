"""The settings an administrator may push from the backend to kiosks (issue 17).

Shared by the backend (stored, shown and edited on the staff console) and the kiosk (received
with the heartbeat reply, kept in data/backend-settings.json, applied between residents). Every
field is optional: None means "not set here", so the kiosk's own kiosk.toml (or the fleet-wide
value, for a kiosk's own settings) decides. The bounds repeat those of kiosk/config.py's
Settings (core may not import the kiosk); tests/test_pushed_settings.py checks they agree.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# The text sizes of kiosk/config_base.py's TextSize, copied: core never imports the kiosk.
TEXT_SIZES = ("standard", "large", "largest")
TextSizeValue = Literal["standard", "large", "largest"]

# As core/wire.py's PROCEDURE_ID_PATTERN (which imports this module, so it is repeated here).
PROCEDURE_ID_PATTERN = r"^[a-z0-9_]{1,40}$"
MAX_PROCEDURES = 200
MAX_MESSAGE_CHARS = 200
IDLE_QUIET_S = (10.0, 3600.0)
IDLE_WARNING_S = (20.0, 300.0)


def _one_line(text: str) -> str:
    """The message shows on the 休止中 screen: no control characters, no line breaks."""
    for character in text:
        if unicodedata.category(character) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise ValueError(f"character U+{ord(character):04X} is not allowed here")
    return text


ProcedureId = Annotated[str, Field(max_length=40, pattern=PROCEDURE_ID_PATTERN)]


class PushedSettings(BaseModel):
    """One set of pushed settings (fleet-wide or one kiosk's); None: not set here."""

    # A newer backend may push a setting this kiosk does not know yet: it is ignored, never
    # a reason to refuse the whole heartbeat reply.
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Practice mode for a class day (スマホ教室): applications are marked and never sent.
    practice: bool | None = None
    out_of_service: bool | None = None
    out_of_service_message: (
        Annotated[str, Field(max_length=MAX_MESSAGE_CHARS), AfterValidator(_one_line)] | None
    ) = None
    idle_quiet_s: float | None = Field(None, ge=IDLE_QUIET_S[0], le=IDLE_QUIET_S[1])
    idle_warning_s: float | None = Field(None, ge=IDLE_WARNING_S[0], le=IDLE_WARNING_S[1])
    # The default text size a resident starts with (each can still change it).
    text_size: TextSizeValue | None = None
    # Catalog procedure ids this kiosk offers; an empty list: all of them.
    procedures: list[ProcedureId] | None = Field(None, max_length=MAX_PROCEDURES)

    def values(self) -> dict[str, object]:
        """The settings set here, by name, as JSON values (what the kiosk keeps)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)


PUSHABLE = tuple(PushedSettings.model_fields)


def merge(fleet: PushedSettings | None, kiosk: PushedSettings | None) -> PushedSettings:
    """The settings a kiosk gets: the fleet-wide ones, then its own (which win field by field)."""
    values: dict[str, object] = {}
    for layer in (fleet, kiosk):
        if layer is not None:
            values.update(layer.values())
    return PushedSettings.model_validate(values)


def sources(fleet: PushedSettings | None, kiosk: PushedSettings | None) -> dict[str, str]:
    """Where each set field of merge(fleet, kiosk) comes from: "kiosk" or "fleet"."""
    where: dict[str, str] = {}
    for name, layer in (("fleet", fleet), ("kiosk", kiosk)):
        if layer is not None:
            where.update(dict.fromkeys(layer.values(), name))
    return where
