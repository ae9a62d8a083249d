from pathlib import Path

import pytest

from kiosk.catalog import Catalog, CatalogError, Procedure, _load_model
from kiosk.i18n import LANGUAGES, UiText


def test_sample_municipality_offers_its_procedures_in_order():
    catalog = Catalog.load("sample-city")
    assert [p.id for p in catalog.procedures()] == ["juminhyo", "inkan_shomei"]
    juminhyo = catalog.procedure("juminhyo")
    assert catalog.counter_for(juminhyo).number == 3
    assert catalog.fee_for(juminhyo) == 300


def test_every_procedure_and_ui_text_has_every_language():
    catalog = Catalog.load("sample-city")
    for procedure in catalog.procedures():
        for language in LANGUAGES:
            assert procedure.title.root.get(language), (procedure.id, language)
            for page in procedure.pages:
                assert page.question.root.get(language), (procedure.id, page.id, language)
    ui = UiText.load()
    for key, entry in ui._entries.items():
        for language in LANGUAGES:
            assert entry.root.get(language), (key, language)


def test_unknown_municipality_is_a_clear_error():
    with pytest.raises(CatalogError, match="no municipality profile named 'nowhere'"):
        Catalog.load("nowhere")


def test_broken_procedure_names_file_place_and_problem(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "x"\nversion = 1\ncategory = "c"\ncounter = "k"\n'
        'title = { en = "no japanese" }\nsummary = { ja = "s" }\n'
        '[[pages]]\nid = "p"\ntype = "copies"\nquestion = { ja = "q" }\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        _load_model(Procedure, bad, "procedures/bad.toml")
    message = str(caught.value)
    assert "procedures/bad.toml" in message and "title" in message
    assert "Japanese" in message


def test_missing_translation_falls_back_to_japanese_and_is_reported(caplog):
    ui = UiText.load()
    with caplog.at_level("WARNING"):
        assert ui.get("start", "pt") == "はじめる"
    assert "missing pt translation" in caplog.text
