"""Municipality words: 市・町・村・区 and the office's name, from the profile, in every text.

Catalog texts (procedures, categories, life events) are shared by every municipality, so they
never name one: they write a placeholder that the catalog fills in from the profile when it is
assembled (core.catalog_files), in each language —

  {市}    the word for what the municipality is: 市 / し / city … for kind = "city", 町 / まち /
          town … for kind = "town" (core.municipality.MunicipalityKind; the profile's `words`
          overrides it per language);
  {役所}  the office's name, the profile's `name` (さんぷる市役所, あざみ町役場).

"この{市}に引っ越してきた日は" reads この市に… in さんぷる市 and この町に… in あざみ町. 市区町村
(any municipality) is a word of its own and stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from core.i18n import TITLE_LANGUAGES, LocalizedText, UiText
from core.municipality import Municipality, MunicipalityKind

KIND_PLACEHOLDER = "{市}"
OFFICE_PLACEHOLDER = "{役所}"
PLACEHOLDERS = (KIND_PLACEHOLDER, OFFICE_PLACEHOLDER)

# The word for each kind, per kiosk language (やさしい日本語 in hiragana, as it is read). The
# texts around them are written for these: Korean particles that fit a word ending in a
# vowel or ㄹ (시로, 마을로, 구로), Portuguese feminine nouns (desta cidade, desta vila).
KIND_WORDS: dict[MunicipalityKind, dict[str, str]] = {
    MunicipalityKind.CITY: {
        "ja": "市",
        "ja-easy": "し",
        "en": "city",
        "zh": "市",
        "ko": "시",
        "pt": "cidade",
        "vi": "thành phố",
    },
    MunicipalityKind.TOWN: {
        "ja": "町",
        "ja-easy": "まち",
        "en": "town",
        "zh": "町",
        "ko": "마을",
        "pt": "vila",
        "vi": "thị trấn",
    },
    MunicipalityKind.VILLAGE: {
        "ja": "村",
        "ja-easy": "むら",
        "en": "village",
        "zh": "村",
        "ko": "마을",
        "pt": "aldeia",
        "vi": "làng",
    },
    MunicipalityKind.WARD: {
        "ja": "区",
        "ja-easy": "まち",  # not く: "この くに" would read "this country"
        "en": "ward",
        "zh": "区",
        "ko": "구",
        "pt": "região",
        "vi": "quận",
    },
}


def words(municipality: Municipality) -> dict[str, dict[str, str]]:
    """Placeholder → language → the words this municipality fills in."""
    kind = dict(KIND_WORDS[municipality.kind])
    if municipality.words is not None:
        kind.update({k: v for k, v in municipality.words.root.items() if v.strip()})
    office = {language: municipality.name.text(language) for language in TITLE_LANGUAGES}
    office.update(municipality.name.root)
    return {KIND_PLACEHOLDER: kind, OFFICE_PLACEHOLDER: office}


def fill(text: str, language: str, filled: Mapping[str, Mapping[str, str]]) -> str:
    """One text with its placeholders replaced by the words in `language` (else Japanese)."""
    for placeholder, by_language in filled.items():
        if placeholder in text:
            word = by_language.get(language) or by_language["ja"]
            text = text.replace(placeholder, word)
    return text


def _is_text(node: Any) -> bool:
    """A LocalizedText as dumped: a table of language → string with a Japanese text."""
    return (
        isinstance(node, dict)
        and "ja" in node
        and all(key in TITLE_LANGUAGES and isinstance(v, str) for key, v in node.items())
    )


def _walk(node: Any, filled: Mapping[str, Mapping[str, str]]) -> Any:
    if _is_text(node):
        return {language: fill(text, language, filled) for language, text in node.items()}
    if isinstance(node, dict):
        return {key: _walk(value, filled) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [_walk(value, filled) for value in node]
    return node


M = TypeVar("M", bound=BaseModel)


def filled_model(model: M, municipality: Municipality) -> M:
    """A catalog model (procedure, category, life event) with every text filled in. Filling
    twice changes nothing: no placeholder is left to fill. The validated model is walked and
    copied where a text changes (filling a word in changes no type nor rule: validating the
    whole catalog again cost a fifth of its load)."""
    return _filled(model, words(municipality))


def _filled(node: Any, filled: Mapping[str, Mapping[str, str]]) -> Any:
    if isinstance(node, LocalizedText):
        texts = {language: fill(text, language, filled) for language, text in node.root.items()}
        return node if texts == node.root else LocalizedText.model_construct(root=texts)
    if isinstance(node, BaseModel):
        changed = {}
        for name in type(node).model_fields:
            value = getattr(node, name)
            new = _filled(value, filled)
            if new is not value:
                changed[name] = new
        return node.model_copy(update=changed) if changed else node
    if isinstance(node, tuple | list):
        items = [_filled(item, filled) for item in node]
        same = all(a is b for a, b in zip(items, node, strict=True))
        return node if same else type(node)(items)
    if isinstance(node, dict):
        values = {key: _filled(value, filled) for key, value in node.items()}
        same = all(values[key] is value for key, value in node.items())
        return node if same else values
    return node


def filled_text(text: LocalizedText, municipality: Municipality) -> LocalizedText:
    return LocalizedText(_walk(text.root, words(municipality)))


def municipal_ui_text(ui: UiText, municipality: Municipality) -> UiText:
    """The UI texts with this municipality's words (for the kiosk and the phone pages)."""
    filled = words(municipality)
    entries = {
        key: {lang: fill(text, lang, filled) for lang, text in ui.entry(key).root.items()}
        for key in ui.names()
    }
    return UiText(entries)


def placeholders_in(text: str) -> list[str]:
    """Every {…} in a catalog text that is not a known placeholder (for the catalog check)."""
    found: list[str] = []
    start = text.find("{")
    while start != -1:
        end = text.find("}", start)
        if end == -1:
            break
        token = text[start : end + 1]
        if token not in PLACEHOLDERS:
            found.append(token)
        start = text.find("{", end)
    return found
