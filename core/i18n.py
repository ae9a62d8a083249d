"""Resident-visible text in several languages, with a Japanese fallback that is reported."""

from __future__ import annotations

import logging
import tomllib
from importlib import resources

from pydantic import RootModel, model_validator

log = logging.getLogger(__name__)

BASE_LANGUAGE = "ja"
# The languages the home screen offers as buttons, in that order (the others are in the
# language overlay).
LANGUAGES: dict[str, str] = {
    "ja": "日本語",
    "ja-easy": "やさしい日本語",
    "en": "English",
}
# Every kiosk language. Every resident-visible text — the common UI and every catalog text
# (titles, questions, hints, options, bring lists, life events, categories, counters) — must
# exist in all of them; core.translations.translation_gaps reports any that would fall back to
# Japanese. (The name is historical: once only titles had all seven.)
TITLE_LANGUAGES: dict[str, str] = {
    **LANGUAGES,
    "zh": "中文",
    "ko": "한국어",
    "pt": "Português",
    "vi": "Tiếng Việt",
}


class LocalizedText(RootModel[dict[str, str]]):
    """One text in several languages; Japanese is required and is the fallback."""

    @model_validator(mode="after")
    def _has_japanese(self) -> LocalizedText:
        if not self.root.get(BASE_LANGUAGE, "").strip():
            raise ValueError("a Japanese text (ja) is required")
        return self

    def text(self, language: str) -> str:
        value = self.root.get(language)
        if value:
            return value
        _report_missing(language, self.root[BASE_LANGUAGE])
        return self.root[BASE_LANGUAGE]

    @classmethod
    def of(cls, **texts: str) -> LocalizedText:
        return cls({key.replace("_", "-"): value for key, value in texts.items()})


_reported: set[tuple[str, str]] = set()


def _report_missing(language: str, japanese: str) -> None:
    key = (language, japanese)
    if key not in _reported:
        _reported.add(key)
        log.warning("missing %s translation for %r; showing Japanese", language, japanese[:40])


class UiText:
    """The common UI strings (buttons, headings, messages) from assets/i18n/ui.toml."""

    def __init__(self, entries: dict[str, LocalizedText]) -> None:
        self._entries = entries

    @classmethod
    def load(cls) -> UiText:
        """Every file in assets/i18n (ui.toml, validation.toml …); a key may appear only once."""
        entries: dict[str, LocalizedText] = {}
        folder = resources.files("assets").joinpath("i18n")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml"):
                continue
            for key, value in tomllib.loads(entry.read_text("utf-8")).items():
                if key in entries:
                    raise ValueError(f"i18n/{entry.name}: '{key}' is defined twice")
                entries[key] = LocalizedText(value)
        return cls(entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, key: str) -> LocalizedText:
        return self._entries[key]

    def get(self, key: str, language: str, **values: object) -> str:
        entry = self._entries.get(key)
        if entry is None:
            raise KeyError(f"no UI text named {key!r}")
        text = entry.text(language)
        return text.format(**values) if values else text
