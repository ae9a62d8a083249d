"""A procedure's form sections ([[sections]]): the paper form's parts that the printed 申請書
and the console group answers by. Every page in exactly one section, unknown ids refused in
plain words, and a file without sections still loads, as one default section."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.catalog import Procedure
from core.catalog_files import check_paths, load_catalog
from core.paper_form import DEFAULT_SECTION_TITLE, SectionKind

PROCEDURE = {
    "id": "x",
    "version": 1,
    "category": "moving",
    "counter": "resident",
    "form_layout": "notification",
    "title": {"ja": "t"},
    "summary": {"ja": "s"},
    "pages": [
        {"id": "name", "type": "kanji_name", "question": {"ja": "お名前は"}},
        {"id": "moving_date", "type": "date", "question": {"ja": "引っ越した日は"}},
        {"id": "phone", "type": "phone", "question": {"ja": "電話番号は"}},
    ],
}


def with_sections(*sections: dict) -> dict:
    return {**PROCEDURE, "sections": list(sections)}


def section(id: str, kind: str, pages: list[str], title: str = "届出人") -> dict:
    return {"id": id, "kind": kind, "title": {"ja": title}, "pages": pages}


def refusal(raw: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        Procedure.model_validate(raw)
    return str(caught.value)


def test_every_shipped_procedure_places_each_page_in_one_section():
    catalog = load_catalog("sample-city")
    for procedure in catalog.all_procedures():
        assert procedure.sections, f"{procedure.id} has no sections"
        placed = [page_id for part in procedure.sections for page_id in part.pages]
        assert sorted(placed) == sorted(page.id for page in procedure.pages), procedure.id
        assert all(part.title.text("ja") for part in procedure.sections)


def test_sections_keep_their_order_and_their_own_page_order():
    procedure = Procedure.model_validate(
        with_sections(
            section("applicant", "applicant", ["phone", "name"]),
            section("move", "request", ["moving_date"], "新しい住所"),
        )
    )
    assert [part.id for part in procedure.form_sections] == ["applicant", "move"]
    assert procedure.form_sections[0].pages == ("phone", "name")
    assert procedure.form_sections[1].kind is SectionKind.REQUEST


def test_a_procedure_without_sections_gets_one_default_section_of_every_page():
    procedure = Procedure.model_validate(PROCEDURE)
    (only,) = procedure.form_sections
    assert only.kind is SectionKind.REQUEST
    assert only.title.text("ja") == DEFAULT_SECTION_TITLE == "申請の内容"
    assert only.pages == ("name", "moving_date", "phone")


def test_a_page_in_two_sections_an_unknown_page_or_a_page_left_out_is_refused_plainly():
    twice = refusal(
        with_sections(
            section("a", "applicant", ["name", "phone"]),
            section("b", "request", ["moving_date", "phone"]),
        )
    )
    assert "page 'phone' is already in section 'a'" in twice
    unknown = refusal(with_sections(section("a", "applicant", ["name", "moving_date", "fone"])))
    assert "section 'a': 'fone' is not a page of this procedure" in unknown
    left_out = refusal(with_sections(section("a", "applicant", ["name", "phone"])))
    assert "every page must be in a section; not placed: moving_date" in left_out
    same_id = refusal(
        with_sections(
            section("a", "applicant", ["name"]),
            section("a", "request", ["moving_date", "phone"]),
        )
    )
    assert "section ids must be unique" in same_id
    kind = refusal(with_sections(section("a", "signature", ["name", "moving_date", "phone"])))
    assert "applicant" in kind and "declarations" in kind  # the kinds there are
    no_japanese = refusal(
        with_sections({**section("a", "applicant", ["name", "moving_date", "phone"]), "title": {}})
    )
    assert "a Japanese text (ja) is required" in no_japanese


def test_catalog_check_words_a_section_problem_for_the_clerk(tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "assets" / "procedures" / "juminhyo.toml"
    broken = tmp_path / "juminhyo.toml"
    broken.write_text(
        shipped.read_text(encoding="utf-8").replace(
            'pages = ["copies", "purpose"]', 'pages = ["copies"]'
        ),
        encoding="utf-8",
    )
    problems = check_paths([broken])
    assert len(problems) == 1
    assert "not placed: purpose" in problems[0] and str(broken) in problems[0]
