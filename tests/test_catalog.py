"""Catalog files: validation in words a clerk understands, cross-file checks, last good catalog."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.catalog import CatalogError, Procedure
from core.catalog_files import check_paths, load_catalog, load_with_last_good
from core.conditions import Condition
from core.i18n import LANGUAGES, TITLE_LANGUAGES, UiText
from core.life_events import LifeEventSession
from core.translations import REQUIRED_LANGUAGES, localized_texts, translation_gaps

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
REQUIRED = [
    "juminhyo",
    "inkan_shomei",
    "inkan_toroku",
    "koseki",
    "zeishomei",
    "tennyu",
    "tenkyo",
    "tenshutsu",
    "jido_teate",
    "kokuho",
    "kaigo_nintei",
    "sodai_gomi",
]


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def test_sample_city_offers_every_required_procedure():
    catalog = load_catalog("sample-city")
    offered = [p.id for p in catalog.procedures()]
    assert set(REQUIRED) <= set(offered) and len(offered) >= 12
    juminhyo = catalog.procedure("juminhyo")
    assert catalog.counter_for(juminhyo).number == 3
    assert catalog.fee_for(juminhyo) == 300


def test_every_shipped_text_is_translated():
    """Every resident-visible text (catalog and common UI) exists in all seven languages."""
    assert set(REQUIRED_LANGUAGES) == {"ja", "ja-easy", "en", "zh", "ko", "pt", "vi"}
    catalog = load_catalog("sample-city")
    assert translation_gaps(catalog, UiText.load()) == []
    models = [
        *catalog.all_procedures(),
        *catalog.life_events.values(),
        *catalog.categories.values(),
        catalog.municipality,
    ]
    checked = 0
    for model in models:
        for place, text in localized_texts(model, ""):
            checked += 1
            for code in TITLE_LANGUAGES:
                assert text.root.get(code, "").strip(), (model.id, place, code)
    assert checked > 400


def test_a_question_without_vietnamese_is_a_translation_gap(tmp_path):
    shipped = (REPO / "assets" / "procedures" / "juminhyo.toml").read_text("utf-8")
    question = 'vi = "Bạn cần mấy bản?"\n'
    assert question in shipped
    write(tmp_path / "procedures" / "juminhyo.toml", shipped.replace(question, ""))
    catalog = load_catalog("sample-city", override_dir=tmp_path)
    gaps = translation_gaps(catalog, UiText.load())
    assert gaps == ["procedure juminhyo: pages[1].question: no vi"]


def test_a_second_municipality_changes_fees_counters_and_menu(tmp_path):
    other = load_catalog("other-town", override_dir=TEST_DATA)
    sample = load_catalog("sample-city")
    assert other.municipality.name.text("ja") != sample.municipality.name.text("ja")
    assert [p.id for p in other.procedures()] != [p.id for p in sample.procedures()]
    juminhyo = other.procedure("juminhyo")
    assert (other.counter_for(juminhyo), other.fee_for(juminhyo)) != (
        sample.counter_for(juminhyo),
        sample.fee_for(juminhyo),
    )
    assert other.content_version != sample.content_version


def test_broken_procedure_names_file_place_and_problem(tmp_path):
    bad = write(
        tmp_path / "procedures" / "bad.toml",
        """
id = "bad"
version = 1
category = "moving"
counter = "resident"
form_layout = "notification"
title = { en = "no japanese" }
summary = { ja = "s", ja-easy = "s", en = "s" }
[[pages]]
id = "kind"
type = "single_choice"
question = { ja = "q", ja-easy = "q", en = "q" }
options = [ { value = "only", label = { ja = "a", ja-easy = "a", en = "a" } } ]
[[pages]]
id = "when"
type = "dates"
question = { ja = "q", ja-easy = "q", en = "q" }
""",
    )
    problems = check_paths([bad])
    assert any("bad.toml: title: a Japanese text (ja) is required" in p for p in problems)
    assert any("pages[1] ('kind')" in p and "at least two options" in p for p in problems)
    # The value written, then the allowed ones (issue #18: the value used to be left out).
    assert any(
        "pages[2] ('when').type: 'dates' is not one of: 'kana_name'" in p and "'date'" in p
        for p in problems
    )


def test_a_condition_may_not_read_a_later_page(tmp_path):
    bad = write(
        tmp_path / "later.toml",
        """
id = "later"
version = 1
category = "moving"
counter = "resident"
form_layout = "notification"
title = { ja = "t", ja-easy = "t", en = "t" }
summary = { ja = "s", ja-easy = "s", en = "s" }
[[pages]]
id = "first"
type = "yes_no"
question = { ja = "q", ja-easy = "q", en = "q" }
show_if = { equals = { field = "second", value = true } }
[[pages]]
id = "second"
type = "yes_no"
question = { ja = "q", ja-easy = "q", en = "q" }
""",
    )
    assert check_paths([bad]) == [
        f"{bad}: (the whole file): page 'first': show_if reads 'second', which is not an "
        "earlier page"
    ]


def test_my_number_needs_a_legal_basis():
    with pytest.raises(ValueError, match="legal_basis"):
        Procedure.model_validate(
            {
                "id": "x",
                "version": 1,
                "category": "moving",
                "counter": "resident",
                "form_layout": "application",
                "title": {"ja": "t"},
                "summary": {"ja": "s"},
                "pages": [{"id": "n", "type": "my_number", "question": {"ja": "q"}}],
            }
        )


def test_cross_file_references_are_checked(tmp_path):
    write(
        tmp_path / "municipalities" / "sample-city.toml",
        (REPO / "assets/municipalities/sample-city.toml")
        .read_text(encoding="utf-8")
        .replace("enabled_procedures = [", 'enabled_procedures = ["nonexistent", '),
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog("sample-city", override_dir=tmp_path)
    assert "enabled_procedures: 'nonexistent' is not a procedure in the catalog" in str(
        caught.value
    )


def test_a_bad_file_keeps_the_last_good_catalog(tmp_path):
    snapshot = tmp_path / "data" / "catalog-last-good.json"
    good = load_with_last_good("sample-city", snapshot, override_dir=tmp_path / "override")
    assert not good.problems and snapshot.is_file()
    write(tmp_path / "override" / "procedures" / "juminhyo.toml", "id = \n")
    loaded = load_with_last_good("sample-city", snapshot, override_dir=tmp_path / "override")
    assert loaded.from_snapshot and "procedures/juminhyo.toml: not valid TOML" in loaded.problems[0]
    assert loaded.catalog.content_version == good.catalog.content_version
    assert [p.id for p in loaded.catalog.procedures()] == [p.id for p in good.catalog.procedures()]


def test_a_bad_file_and_no_last_good_catalog_is_an_error(tmp_path):
    write(tmp_path / "override" / "procedures" / "juminhyo.toml", "id = \n")
    with pytest.raises(CatalogError):
        load_with_last_good("sample-city", tmp_path / "none.json", tmp_path / "override")


def test_content_version_changes_with_content(tmp_path):
    source = (REPO / "assets/procedures/juminhyo.toml").read_text(encoding="utf-8")
    write(
        tmp_path / "procedures" / "juminhyo.toml",
        source.replace("何通必要ですか", "何通いりますか"),
    )
    assert (
        load_catalog("sample-city", tmp_path).content_version
        != load_catalog("sample-city").content_version
    )


def test_missing_translation_falls_back_to_japanese_and_is_reported(caplog):
    ui = UiText.load()
    with caplog.at_level("WARNING"):
        assert ui.get("start", "fr") == "はじめる"
    assert "missing fr translation" in caplog.text


def test_unknown_municipality_is_a_clear_error():
    with pytest.raises(CatalogError, match="no municipality profile named 'nowhere'"):
        load_catalog("nowhere")


@pytest.mark.parametrize(
    ("event", "answers", "expected"),
    [
        (
            "moving",
            {"moved_in": True, "children": True, "kokuho": True},
            ["tennyu", "jido_teate", "kokuho"],
        ),
        (
            "moving",
            {"moved_in": False, "moved_within": True, "children": True, "kokuho": False},
            ["tenkyo", "児童手当の住所変更"],
        ),
        (
            "moving",
            {
                "moved_in": False,
                "moved_within": False,
                "moving_out": True,
                "children": False,
                "kokuho": True,
            },
            ["tenshutsu", "kokuho"],
        ),
        (
            "death",
            {"kokuho": True, "care": False, "seal": True},
            ["死亡届", "kokuho", "印鑑登録証の返却", "juminhyo"],
        ),
    ],
)
def test_life_event_navigator_lists_the_procedures_in_order(event, answers, expected):
    catalog = load_catalog("sample-city")
    session = LifeEventSession(catalog.life_events[event], catalog)
    while (question := session.next_question()) is not None:
        session.answer(question.id, answers[question.id])
    planned = [
        step.procedure.id if step.procedure else step.title.text("ja") for step in session.plan()
    ]
    assert planned == expected
    assert all(step.counter.number >= 1 for step in session.plan())


def test_a_changed_answer_hides_questions_that_no_longer_apply():
    catalog = load_catalog("sample-city")
    session = LifeEventSession(catalog.life_events["moving"], catalog)
    session.answer("moved_in", False)
    session.answer("moved_within", True)
    session.answer("moved_in", True)
    assert "moved_within" not in session.answers


def test_a_step_added_by_answers_must_read_the_procedure_it_names():
    """added_after reads a procedure's pages and groups; a slip is named with what is allowed."""
    from core.life_events import cross_check_events

    catalog = load_catalog("sample-city")
    moving = catalog.life_events["moving"]
    assert cross_check_events({"moving": moving}, catalog) == []
    session = LifeEventSession(moving, catalog)
    for question, value in {"moved_in": True, "children": False, "kokuho": False}.items():
        session.answer(question, value)
    assert [f.procedure.id for f in session.follow_ons()] == ["jido_teate"]
    session.answer("children", True)  # on the list already: nothing to add
    assert session.follow_ons() == []
    step = next(s for s in moving.steps if s.added_after is not None)
    wrong = step.added_after.model_copy(
        update={"when": Condition.model_validate({"members": {"group": "mover", "at_least": 2}})}
    )
    broken = moving.model_copy(
        update={
            "steps": tuple(
                s.model_copy(update={"added_after": wrong}) if s is step else s
                for s in moving.steps
            )
        }
    )
    (problem,) = cross_check_events({"moving": broken}, catalog)
    assert "added_after: when reads 'mover', which is not a page or group of 'tennyu'" in problem
    assert "movers" in problem.split("allowed:")[1]


def test_catalog_cli_list_check_and_translations(tmp_path):
    def kiosk(*args):
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "catalog", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={"KIOSK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )

    listing = json.loads(kiosk("list", "--json").stdout)
    assert len(listing["procedures"]) >= 12
    for row in listing["procedures"]:
        assert all(row["title"][code] for code in TITLE_LANGUAGES), row["id"]
        assert row["pages"] >= 1
    shipped = kiosk("check", str(REPO / "assets"))
    assert shipped.returncode == 0, shipped.stdout
    broken = write(tmp_path / "procedures" / "broken.toml", 'id = "Broken Id"\n')
    result = kiosk("check", str(broken))
    assert result.returncode == 1
    assert f"{broken}: id: may only use lower-case letters" in result.stdout
    assert f"{broken}: version: is missing" in result.stdout
    assert kiosk("check", "--translations").returncode == 0


def test_shipped_languages_are_the_required_ones():
    assert list(LANGUAGES) == ["ja", "ja-easy", "en"]
    assert set(TITLE_LANGUAGES) == {"ja", "ja-easy", "en", "zh", "ko", "pt", "vi"}


def test_a_kiosk_with_a_broken_catalog_file_still_starts_on_the_last_good(
    kiosk_paths, settings, tmp_path
):
    from kiosk.cli.local_backend import build_services

    override = tmp_path / "override"
    first = build_services(settings.model_copy(update={"catalog_dir": override}), kiosk_paths)
    first.close()
    write(override / "procedures" / "koseki.toml", "id = \n")
    services = build_services(settings.model_copy(update={"catalog_dir": override}), kiosk_paths)
    try:
        assert services.catalog_problems and "koseki.toml" in services.catalog_problems[0]
        assert len(services.procedures()) >= 12
    finally:
        services.close()


def test_a_municipality_profile_may_carry_its_sealing_key_and_a_bad_one_is_refused(
    tmp_path, key_pair
):
    shipped = Path(__file__).resolve().parents[1] / "assets" / "municipalities" / "sample-city.toml"
    text = shipped.read_text(encoding="utf-8")
    good = f'seal_public_key = """\n{key_pair[1].read_text().strip()}\n"""\n'
    folder = tmp_path / "municipalities"
    folder.mkdir()
    profile = folder / "sample-city.toml"
    profile.write_text(good + text, encoding="utf-8")
    assert check_paths([profile]) == []
    profile.write_text('seal_public_key = "not a key"\n' + text, encoding="utf-8")
    problems = check_paths([profile])
    assert len(problems) == 1 and "seal_public_key" in problems[0] and "PEM" in problems[0]


REVIEW_LABEL_MAX = 16  # characters of the Japanese label: one short line on the review page


def test_every_shipped_page_has_a_short_review_label_and_the_question_is_the_fallback():
    catalog = load_catalog("sample-city")
    for procedure in catalog.all_procedures():
        for page in procedure.pages:
            where = f"{procedure.id}.{page.id}"
            assert page.review_label is not None, where
            label = page.label.text("ja")
            assert len(label) <= REVIEW_LABEL_MAX and label != page.question.text("ja"), where
    plain = Procedure.model_validate(
        {
            "id": "p",
            "version": 1,
            "category": "c",
            "counter": "k",
            "form_layout": "application",
            "title": {"ja": "手続き"},
            "summary": {"ja": "説明"},
            "pages": [{"id": "a", "type": "text", "question": {"ja": "ご用件は"}}],
        }
    )
    assert plain.pages[0].label.text("en") == "ご用件は"  # no label: the question, as written


def test_opens_on_is_for_date_pages_only():
    page = {"id": "a", "type": "text", "question": {"ja": "ご用件は"}, "opens_on": "today"}
    with pytest.raises(ValueError, match="opens_on is for date fields"):
        Procedure.model_validate(
            {
                "id": "p",
                "version": 1,
                "category": "c",
                "counter": "k",
                "form_layout": "application",
                "title": {"ja": "手続き"},
                "summary": {"ja": "説明"},
                "pages": [page],
            }
        )


def test_a_page_that_leads_to_another_procedure_says_why_in_its_own_words():
    def procedure_with(page: dict) -> Procedure:
        return Procedure.model_validate(
            {
                "id": "p",
                "version": 1,
                "category": "c",
                "counter": "k",
                "form_layout": "application",
                "title": {"ja": "手続き"},
                "summary": {"ja": "説明"},
                "pages": [
                    {"id": "a", "type": "postal_code", "question": {"ja": "郵便番号は"}, **page}
                ],
            }
        )

    note = {"ja": "この市の外へ引っ越す方は、転出届です。"}
    with pytest.raises(ValueError, match="outside needs an outside_note"):
        procedure_with({"in_municipality": True, "outside": "tenshutsu"})
    with pytest.raises(ValueError, match="need in_municipality"):
        procedure_with({"outside_note": note})
    led = procedure_with({"in_municipality": True, "outside": "tenshutsu", "outside_note": note})
    assert led.pages[0].outside_note.text("en") == note["ja"]
    # The shipped in-city pages: the procedure each leads to, where one fits.
    catalog = load_catalog("sample-city")
    leads = {
        f"{procedure.id}.{page.id}": page.outside
        for procedure in catalog.all_procedures()
        for page in procedure.pages
        if page.in_municipality
    }
    assert leads == {
        "tenkyo.old_address": "tennyu",  # came from outside: moving in
        "tenkyo.postal_code": "tenshutsu",  # going outside: moving out
        "tenshutsu.address": "tennyu",  # living outside: 転出 is filed there
        "tennyu.postal_code": None,  # a new address elsewhere: filed there
        "sodai_gomi.postal_code": None,  # collected within the city only
    }
