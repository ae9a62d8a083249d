"""Find texts that would fall back to Japanese: every resident-visible text — catalog texts
(titles, questions, hints, option labels, bring lists, life events, categories, the
municipality profile) and the common UI — needs all seven kiosk languages (TITLE_LANGUAGES:
ja, ja-easy, en, zh, ko, pt, vi). The counter's checklist and flags are for staff: Japanese."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from core.catalog import Catalog
from core.i18n import TITLE_LANGUAGES, LocalizedText, UiText

# One language set for everything a resident can read.
REQUIRED_LANGUAGES: dict[str, str] = TITLE_LANGUAGES
# What only staff read (the counter's checklist and flags): Japanese is enough.
STAFF_ONLY_FIELDS = frozenset({"checklist", "flags"})


def localized_texts(node: Any, place: str) -> Iterator[tuple[str, LocalizedText]]:
    """Every LocalizedText inside a model, with a readable place such as pages[2].question."""
    if isinstance(node, LocalizedText):
        yield place, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name in STAFF_ONLY_FIELDS:
                continue
            yield from localized_texts(getattr(node, name), f"{place}.{name}" if place else name)
    elif isinstance(node, tuple | list):
        for index, item in enumerate(node, start=1):
            yield from localized_texts(item, f"{place}[{index}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from localized_texts(item, f"{place}.{key}")


def _missing(text: LocalizedText, languages: dict[str, str]) -> list[str]:
    return [code for code in languages if not text.root.get(code, "").strip()]


def translation_gaps(catalog: Catalog, ui: UiText) -> list[str]:
    """One line per text that lacks one of REQUIRED_LANGUAGES (it would show Japanese)."""
    gaps = []
    sources: list[tuple[str, BaseModel]] = [
        *((f"procedure {p.id}", p) for p in catalog.all_procedures()),
        *((f"life event {e.id}", e) for e in catalog.life_events.values()),
        *((f"category {c.id}", c) for c in catalog.categories.values()),
        (f"municipality {catalog.municipality.id}", catalog.municipality),
    ]
    for owner, model in sources:
        for place, text in localized_texts(model, ""):
            missing = _missing(text, REQUIRED_LANGUAGES)
            if missing:
                gaps.append(f"{owner}: {place}: no {', '.join(missing)}")
    for key in ui.names():
        missing = _missing(ui.entry(key), REQUIRED_LANGUAGES)
        if missing:
            gaps.append(f"ui text {key}: no {', '.join(missing)}")
    return gaps
