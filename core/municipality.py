"""The municipality profile (assets/municipalities/*.toml): everything that differs between
municipalities — name, counters and their divisions, fees, opening hours, contacts, the ground
it covers, where the card reader stands, its sealing key and its options. Never hard-coded."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.i18n import LocalizedText
from core.identifier import Identifier


class Counter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int = Field(ge=1)
    name: LocalizedText
    # The division (課) whose staff handle this counter's applications (the staff console shows
    # them to clerks of that division only); none: every clerk sees them.
    division: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[^\s]+$")


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: LocalizedText
    phone: str = Field(pattern=r"^[0-9-]{10,13}$")


class MunicipalityKind(StrEnum):
    """What the municipality is: the word its texts use for itself (市・町・村・区)."""

    CITY = "city"  # 市
    TOWN = "town"  # 町
    VILLAGE = "village"  # 村
    WARD = "ward"  # 特別区 (東京23区)


class ReaderPosition(StrEnum):
    """Where the My Number Card reader stands, as a resident facing the screen sees it."""

    LEFT = "left"
    RIGHT = "right"
    BELOW = "below"  # on the shelf under the screen


class Municipality(BaseModel):
    """Everything that differs between municipalities: never hard-coded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier | Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]
    name: LocalizedText
    # What a procedure's `fee` key costs: yen per unit, or per choice (page → option → yen:
    # [fees.koseki.certificate] tohon = 450, joseki = 750). core.fees sums them.
    fees: dict[Identifier, int | dict[Identifier, dict[Identifier, int]]] = {}
    # 市, 町, 村 or 区: the word every text shows for the municipality ({市} in catalog texts,
    # core.municipal_words); `words` overrides it per language (a 区 that calls itself "city").
    kind: MunicipalityKind = MunicipalityKind.CITY
    words: LocalizedText | None = None
    counters: dict[Identifier, Counter]
    opening_hours: LocalizedText
    contacts: tuple[Contact, ...] = ()
    local_notes: LocalizedText | None = None
    enabled_procedures: tuple[Identifier, ...] = Field(min_length=1)
    # 全国地方公共団体コード (JIS X 0402, five digits without the check digit) of the ground the
    # municipality covers: its postal codes and 町名 come from the offline postal data by these
    # (a designated city lists its wards). Empty: no page is held to the municipality's ground.
    municipality_codes: tuple[Annotated[str, Field(pattern=r"^[0-9]{5}$")], ...] = ()
    # Where the card reader is at this office's kiosks: the card page says and shows it.
    card_reader_position: ReaderPosition = ReaderPosition.RIGHT
    # The municipality's public key (PEM, X25519) that applications are sealed to. It comes
    # with the profile (the backend adds its own to the catalog it serves); the kiosk pins
    # its fingerprint, so a profile carrying a different key is refused, not obeyed.
    seal_public_key: str | None = None
    # Receipts (and the completion screen) carry the application itself in their QR code,
    # sealed to the key above and signed by the kiosk (MADOGUCHI3, core/sealed_receipt.py),
    # so the counter opens it while the kiosk is offline. Off by default: it puts the sealed
    # answers on paper the resident takes away, a choice for the municipality to make.
    sealed_receipt_qr: bool = False
    # How many days a phone pre-entry QR code (/pre/, MADOGUCHI-PRE/2) may be brought to the
    # kiosk after it was made: long enough for the next opening day after a weekend or holiday.
    preentry_valid_days: int = Field(14, ge=1, le=90)
    # Minutes a resident takes for each procedure on the paper form (finding it, filling it
    # in, waiting to hand it over), as the municipality measured or estimates them: the usage
    # figures put the kiosk's minutes per application beside it. Optional, per procedure.
    paper_form_minutes: dict[Identifier, float] = {}

    @model_validator(mode="after")
    def _key_is_usable(self) -> Municipality:
        if self.seal_public_key is not None:
            from core.sealing import SealingError, public_key_from_pem

            try:
                public_key_from_pem(self.seal_public_key.encode(), "seal_public_key")
            except SealingError as error:
                raise ValueError(str(error)) from None
        return self

    @model_validator(mode="after")
    def _paper_minutes_are_plausible(self) -> Municipality:
        for key, minutes in self.paper_form_minutes.items():
            if not 0 < minutes <= 600:
                raise ValueError(f"paper_form_minutes.{key}: {minutes} is not 0 to 600 minutes")
        return self

    @model_validator(mode="after")
    def _fees_are_amounts(self) -> Municipality:
        for key, fee in self.fees.items():
            if isinstance(fee, int):
                amounts = {f"fees.{key}": fee}
            else:
                amounts = {
                    f"fees.{key}.{page}.{option}": amount
                    for page, prices in fee.items()
                    for option, amount in prices.items()
                }
                if not amounts:
                    raise ValueError(f"fees.{key}: no amount (write a number or page.option)")
            for place, amount in amounts.items():
                if not 0 <= amount <= 100_000:
                    raise ValueError(f"{place}: {amount} yen is not a plausible fee")
        return self
