"""The catalog as the console reads it: each procedure's Japanese title, questions, options,
counter (and its division), documents and fee, from the files the backend serves to kiosks
(app.state.catalog), parsed with core's models once per catalog version.

A file that does not parse is skipped, not fatal: its applications still list (by procedure
id) and open (answers under their field ids), and their counter has no division, so every
clerk sees them rather than nobody.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from backend.catalog_bundle import CatalogSource
from core.catalog import Procedure
from core.municipal_words import filled_model
from core.municipality import Counter, Municipality

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleCatalog:
    procedures: dict[str, Procedure] = field(default_factory=dict)
    municipality: Municipality | None = None

    def title(self, procedure_id: str) -> str:
        procedure = self.procedures.get(procedure_id)
        return procedure.title.text("ja") if procedure else procedure_id

    def counter(self, procedure_id: str) -> Counter | None:
        procedure = self.procedures.get(procedure_id)
        if procedure is None or self.municipality is None:
            return None
        return self.municipality.counters.get(procedure.counter)

    def counter_text(self, procedure_id: str) -> str:
        counter = self.counter(procedure_id)
        return f"{counter.number}番 {counter.name.text('ja')}" if counter else "—"

    def division(self, procedure_id: str) -> str | None:
        counter = self.counter(procedure_id)
        return counter.division if counter else None

    def hidden_from(self, allows) -> list[str]:
        """Procedure ids whose counter's division `allows` refuses (an unknown procedure, or a
        counter without a division, is never hidden)."""
        return sorted(
            procedure_id
            for procedure_id in self.procedures
            if self.division(procedure_id) is not None and not allows(self.division(procedure_id))
        )

    def divisions(self) -> list[str]:
        if self.municipality is None:
            return []
        found = {c.division for c in self.municipality.counters.values() if c.division}
        return sorted(found)


def _parse(files: dict[str, str]) -> ConsoleCatalog:
    procedures: dict[str, Procedure] = {}
    municipality: Municipality | None = None
    for path in sorted(files):
        folder = path.split("/", 1)[0]
        if folder not in ("procedures", "municipalities"):
            continue
        try:
            raw: Any = tomllib.loads(files[path])
            if folder == "procedures":
                procedure = Procedure.model_validate(raw)
                procedures[procedure.id] = procedure
            elif municipality is None:
                municipality = Municipality.model_validate(raw)
        except (tomllib.TOMLDecodeError, ValidationError, ValueError) as error:
            log.warning("console: catalog file %s skipped: %s", path, type(error).__name__)
    if municipality is not None:
        # The texts say this municipality's 市・町・村・区 and office name, as on the kiosk.
        procedures = {key: filled_model(p, municipality) for key, p in procedures.items()}
    return ConsoleCatalog(procedures, municipality)


_lock = threading.Lock()
_cache: dict[str, ConsoleCatalog] = {}


def console_catalog(source: CatalogSource) -> ConsoleCatalog:
    bundle = source.current()
    with _lock:
        known = _cache.get(bundle.version)
    if known is not None:
        return known
    parsed = _parse(bundle.files)
    with _lock:
        _cache.clear()
        _cache[bundle.version] = parsed
    return parsed
