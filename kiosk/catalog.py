"""Procedures and the municipality profile, as validated data from assets/.

A procedure is data, never code: the kiosk only interprets these models.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.i18n import LocalizedText


class FieldType(StrEnum):
    COPIES = "copies"  # how many copies of a certificate: 1..max
    CHOICE = "choice"  # exactly one of a few options


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: LocalizedText


class Page(BaseModel):
    """One question, one page."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    type: FieldType
    question: LocalizedText
    hint: LocalizedText | None = None
    options: tuple[Option, ...] = ()
    minimum: int = 1
    maximum: int = 10

    @model_validator(mode="after")
    def _fits_its_type(self) -> Page:
        if self.type is FieldType.CHOICE and len(self.options) < 2:
            raise ValueError("a choice page needs at least two options")
        if self.type is FieldType.COPIES and not 1 <= self.minimum <= self.maximum <= 10:
            raise ValueError("copies must be between 1 and 10")
        return self


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    version: int = Field(ge=1)
    category: str
    title: LocalizedText
    summary: LocalizedText
    counter: str  # key into the municipality's counters
    fee: str | None = None  # key into the municipality's fees (yen per copy)
    bring: tuple[LocalizedText, ...] = ()
    pages: tuple[Page, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _page_ids_unique(self) -> Procedure:
        ids = [page.id for page in self.pages]
        if len(ids) != len(set(ids)):
            raise ValueError("page ids must be unique within a procedure")
        return self


class Counter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int = Field(ge=1)
    name: LocalizedText


class Municipality(BaseModel):
    """Everything that differs between municipalities: never hard-coded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: LocalizedText
    fees: dict[str, int] = {}
    counters: dict[str, Counter]
    opening_hours: LocalizedText
    enabled_procedures: tuple[str, ...]


M = TypeVar("M", bound=BaseModel)


class CatalogError(Exception):
    """A catalog file that cannot be used, worded for a municipal clerk."""


def _load_model(model: type[M], source: Traversable, label: str) -> M:
    try:
        raw = tomllib.loads(source.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{label}: not valid TOML ({error})") from error
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise CatalogError(f"{label}: {place}: {first['msg']}") from error


class Catalog:
    """The procedures one municipality offers, in menu order, with its profile."""

    def __init__(self, municipality: Municipality, procedures: dict[str, Procedure]) -> None:
        missing = [pid for pid in municipality.enabled_procedures if pid not in procedures]
        if missing:
            raise CatalogError(
                f"municipality {municipality.id}: enabled procedures not found: {missing}"
            )
        for procedure in procedures.values():
            if procedure.counter not in municipality.counters:
                raise CatalogError(
                    f"procedure {procedure.id}: counter {procedure.counter!r} is not in "
                    f"municipality {municipality.id}"
                )
        self.municipality = municipality
        self._procedures = procedures

    @classmethod
    def load(cls, municipality_id: str) -> Catalog:
        root = resources.files("assets")
        profile_file = root.joinpath("municipalities", f"{municipality_id}.toml")
        if not profile_file.is_file():
            raise CatalogError(f"no municipality profile named {municipality_id!r}")
        municipality = _load_model(Municipality, profile_file, f"{municipality_id}.toml")
        procedures = {}
        for entry in sorted(root.joinpath("procedures").iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                procedure = _load_model(Procedure, entry, f"procedures/{entry.name}")
                procedures[procedure.id] = procedure
        return cls(municipality, procedures)

    def procedures(self) -> list[Procedure]:
        return [self._procedures[pid] for pid in self.municipality.enabled_procedures]

    def procedure(self, procedure_id: str) -> Procedure:
        if procedure_id not in self.municipality.enabled_procedures:
            raise KeyError(f"procedure {procedure_id!r} is not offered here")
        return self._procedures[procedure_id]

    def counter_for(self, procedure: Procedure) -> Counter:
        return self.municipality.counters[procedure.counter]

    def fee_for(self, procedure: Procedure) -> int | None:
        return self.municipality.fees.get(procedure.fee) if procedure.fee else None
