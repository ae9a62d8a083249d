"""Resident-visible text in several languages, with a Japanese fallback that is reported."""

from __future__ import annotations

from pydantic import RootModel, model_validator

# Re-exported: the languages and the common UI strings live in core.ui_text, which the first
# painted screen reads before pydantic is imported.
from core.ui_text import (  # noqa: F401
    BASE_LANGUAGE,
    LANGUAGES,
    TITLE_LANGUAGES,
    UiText,
    in_language,
)


class LocalizedText(RootModel[dict[str, str]]):
    """One text in several languages; Japanese is required and is the fallback."""

    @model_validator(mode="after")
    def _has_japanese(self) -> LocalizedText:
        if not self.root.get(BASE_LANGUAGE, "").strip():
            raise ValueError("a Japanese text (ja) is required")
        return self

    def text(self, language: str) -> str:
        return in_language(self.root, language)

    @classmethod
    def of(cls, **texts: str) -> LocalizedText:
        return cls({key.replace("_", "-"): value for key, value in texts.items()})
