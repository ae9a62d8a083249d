"""The kiosk's languages and its common UI strings, readable without the validation library.

The first painted screen needs these (its buttons and greeting) before anything heavy is
imported; the catalog's texts (core.i18n.LocalizedText, pydantic) are validated later.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.i18n import LocalizedText

log = logging.getLogger("core.i18n")  # one logger for every translation fallback

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

_reported: set[tuple[str, str]] = set()


def assets_folder(name: str) -> Path:
    """A folder of the shipped assets package (a plain folder, installed or editable; the
    path is taken directly because importlib.resources costs the first screen time)."""
    import assets

    return Path(assets.__file__).parent / name


def in_language(texts: dict[str, str], language: str) -> str:
    """The text in `language`, else the Japanese one (reported once per text and language)."""
    value = texts.get(language)
    if value:
        return value
    japanese = texts[BASE_LANGUAGE]
    if (language, japanese) not in _reported:
        _reported.add((language, japanese))
        log.warning("missing %s translation for %r; showing Japanese", language, japanese[:40])
    return japanese


class UiText:
    """The common UI strings (buttons, headings, messages) from assets/i18n/*.toml."""

    def __init__(self, entries: dict[str, dict[str, str]]) -> None:
        self._entries = entries

    @classmethod
    def load(cls, only: tuple[str, ...] = ()) -> UiText:
        """Every file in assets/i18n (ui.toml, validation.toml …), or `only` those named; a key
        may appear only once, and each must have its Japanese text (every language's
        fallback)."""
        entries: dict[str, dict[str, str]] = {}
        for entry in sorted(assets_folder("i18n").iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml") or (only and entry.name not in only):
                continue
            for key, value in tomllib.loads(entry.read_text("utf-8")).items():
                if key in entries:
                    raise ValueError(f"i18n/{entry.name}: '{key}' is defined twice")
                if not isinstance(value, dict) or not str(value.get(BASE_LANGUAGE, "")).strip():
                    raise ValueError(f"i18n/{entry.name}: '{key}' has no Japanese text (ja)")
                entries[key] = {str(code): str(text) for code, text in value.items()}
        return cls(entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, key: str) -> LocalizedText:
        """One entry as the catalog's text type (for pages the flow engine makes itself)."""
        from core.i18n import LocalizedText

        return LocalizedText(dict(self._entries[key]))

    def get(self, key: str, language: str, **values: object) -> str:
        entry = self._entries.get(key)
        if entry is None:
            raise KeyError(f"no UI text named {key!r}")
        text = in_language(entry, language)
        return text.format(**values) if values else text
