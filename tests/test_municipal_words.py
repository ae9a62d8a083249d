"""Municipality words (issue #18): 市・町・村・区 and the office's name come from the profile in
every catalog text. The test profile あざみ町 (kind = "town") must never read 市, in any text of
any procedure, category or life event, in any language; さんぷる市 still reads 市."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.catalog import CatalogError
from core.catalog_files import check_paths, load_catalog
from core.i18n import TITLE_LANGUAGES, LocalizedText, UiText
from core.municipal_words import (
    KIND_WORDS,
    PLACEHOLDERS,
    filled_model,
    filled_text,
    municipal_ui_text,
)
from core.municipality import MunicipalityKind

TEST_DATA = Path(__file__).parent / "data"
CITY = load_catalog("sample-city")
TOWN = load_catalog("other-town", override_dir=TEST_DATA)

# 市 that is not this municipality: 市区町村 (any municipality), 都市/城市 (a foreign city).
WRONG_FOR_A_TOWN = {
    "ja": re.compile(r"(?<![都城])市(?!区町村)"),
    "zh": re.compile(r"(?<![都城])市(?!区町村)"),
    "ja-easy": re.compile(r"(?:この |^|[、。 ])し(?:の|に|から|で|を) "),
    "en": re.compile(r"\b(?:this|the) city\b", re.IGNORECASE),
    "ko": re.compile(r"이 시(?:[ 에로의]|$)|(?<![가-힣])시(?:내|외)"),
    "pt": re.compile(r"(?:desta|nesta|da|na) cidade"),
    "vi": re.compile(r"thành phố(?! khác)(?<!nước và thành phố)"),
}


def rendered_texts(catalog) -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every text of every procedure, category and life event
    the catalog offers, as a screen would render it in each kiosk language."""
    models = [
        *((f"procedure {p.id}", p) for p in catalog.all_procedures()),
        *((f"category {c.id}", c) for c in catalog.categories.values()),
        *((f"life event {e.id}", e) for e in catalog.life_events.values()),
    ]
    for where, model in models:
        for text in _texts(model.model_dump(mode="json", by_alias=True, exclude_none=True)):
            localized = LocalizedText(text)
            for language in TITLE_LANGUAGES:
                yield where, language, localized.text(language)


def _texts(node) -> Iterator[dict]:
    if isinstance(node, dict):
        if "ja" in node and all(isinstance(v, str) for v in node.values()):
            yield node
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def test_no_text_of_the_town_says_city_in_any_language():
    wrong = [
        (where, language, text[:60])
        for where, language, text in rendered_texts(TOWN)
        if WRONG_FOR_A_TOWN[language].search(text)
    ]
    assert wrong == []


def test_no_ui_text_names_the_municipality_as_a_city():
    # The kiosk's and the phone pages' own texts (assets/i18n) name no kind of municipality:
    # they say 役所 / the municipal office, true of a 市役所 and a 町役場 alike. 市外局番 (an
    # area code) is a word of its own.
    ui = UiText.load()
    wrong = [
        (key, language)
        for key in ui.names()
        for language, text in ui.entry(key).root.items()
        if language in WRONG_FOR_A_TOWN
        and WRONG_FOR_A_TOWN[language].search(text.replace("市外局番", ""))
    ]
    assert wrong == []
    # {city} is a value: the municipality's own name from the postal data (札幌市中央区).
    english = [
        key
        for key in ui.names()
        if "city" in ui.entry(key).text("en").replace("{city}", "").lower()
    ]
    assert english == []


def test_the_town_reads_town_where_the_city_reads_city():
    def question(catalog, language):
        page = next(p for p in catalog.procedure("tennyu").pages if p.id == "moving_date")
        return page.question.text(language)

    assert question(CITY, "ja") == "この市に引っ越してきた日は"
    assert question(TOWN, "ja") == "この町に引っ越してきた日は"
    assert question(TOWN, "ja-easy") == "この まちに ひっこして きた ひは"
    assert CITY.procedure("tenshutsu").title.text("ja") == "転出届（市外への引っ越し）"
    assert TOWN.procedure("tenshutsu").title.text("ja") == "転出届（町外への引っ越し）"
    assert "this town" in TOWN.procedure("tenkyo").summary.text("en")
    assert "this city" in CITY.procedure("tenkyo").summary.text("en")


@pytest.mark.parametrize("catalog", [CITY, TOWN], ids=["city", "town"])
def test_no_placeholder_is_left_on_any_screen(catalog):
    left = [
        (where, language)
        for where, language, text in rendered_texts(catalog)
        if any(placeholder in text for placeholder in PLACEHOLDERS)
    ]
    assert left == []


def test_the_city_still_says_city_where_it_did():
    city_texts = [text for _, language, text in rendered_texts(CITY) if language == "ja"]
    assert sum("この市" in text for text in city_texts) >= 10
    assert not any("町内" in text or "この町" in text for text in city_texts)


def test_every_kind_has_its_word_in_every_language_and_the_profile_may_override_it():
    for kind in MunicipalityKind:
        assert set(KIND_WORDS[kind]) == set(TITLE_LANGUAGES)
    ward = TOWN.municipality.model_copy(
        update={"kind": MunicipalityKind.WARD, "words": LocalizedText({"ja": "区", "en": "city"})}
    )
    text = LocalizedText({"ja": "{役所}（この{市}）", "en": "this {市}", "ja-easy": "この {市}"})
    filled = filled_text(text, ward)
    assert filled.text("ja") == "あざみ町役場（この区）"
    assert filled.text("en") == "this city"  # the profile's own word wins
    assert filled.text("ja-easy") == "この まち"  # not く: この くに reads "this country"


def test_filling_twice_changes_nothing():
    procedure = TOWN.procedure("tennyu")
    assert filled_model(procedure, CITY.municipality) == procedure


def test_ui_texts_can_take_the_words_too():
    ui = UiText({"x": {"ja": "この{市}の端末", "en": "the {市} office: {役所}"}})
    filled = municipal_ui_text(ui, TOWN.municipality)
    assert filled.get("x", "ja") == "この町の端末"
    assert filled.get("x", "en") == "the town office: Azami Town Office"


def test_an_unknown_placeholder_is_refused_with_file_place_and_allowed_ones(tmp_path):
    folder = tmp_path / "procedures"
    folder.mkdir()
    source = (Path("assets") / "procedures" / "tennyu.toml").read_text("utf-8")
    broken = source.replace("この{市}に引っ越してきた日は", "この{町}に引っ越してきた日は", 1)
    assert broken != source
    path = folder / "tennyu.toml"
    path.write_text(broken, "utf-8")
    (problem,) = check_paths([path])
    assert problem.startswith(f"{path}: pages[")
    assert "('moving_date').question.ja: '{町}' is not a placeholder (allowed: {市}, {役所})" in (
        problem
    )
    with pytest.raises(CatalogError, match="is not a placeholder"):
        load_catalog("sample-city", override_dir=tmp_path)


def test_an_unknown_kind_names_the_value_and_the_allowed_ones(tmp_path):
    folder = tmp_path / "municipalities"
    folder.mkdir()
    source = (TEST_DATA / "municipalities" / "other-town.toml").read_text("utf-8")
    path = folder / "other-town.toml"
    path.write_text(source.replace('kind = "town"', 'kind = "townn"'), "utf-8")
    (problem,) = check_paths([path])
    assert problem == (f"{path}: kind: 'townn' is not one of: 'city', 'town', 'village' or 'ward'")


def test_the_backends_export_and_insights_labels_fill_the_municipality_words():
    """backend/procedure_labels.py reads the TOML without validation (a listing must print
    when one file is off); it fills {市} and {役所} all the same."""
    from backend import procedure_labels

    labels = procedure_labels.load()
    texts = [
        text
        for procedure in labels.values()
        for field in procedure.fields.values()
        for text in (field.question, *field.options.values())
    ] + [procedure.title for procedure in labels.values()]
    assert not [text for text in texts if "{" in text]
    assert labels["tenkyo"].title == "転居届（市内での引っ越し）"
