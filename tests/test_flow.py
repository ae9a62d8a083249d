"""The resident flow engine, without Qt."""

import subprocess
import sys
from datetime import date

import pytest

from core.catalog import Applicant, CardField, Procedure
from core.catalog_files import load_catalog
from core.flow import ResidentSession, Step, Visit
from core.i18n import UiText
from core.validators import Invalid, Valid

UI = UiText.load()
TODAY = date(2026, 11, 26)


def text(ja: str) -> dict:
    return {"ja": ja, "ja-easy": ja, "en": ja}


def procedure(pages: list[dict], **extra) -> Procedure:
    return Procedure.model_validate(
        {
            "id": "test",
            "version": 1,
            "category": "moving",
            "title": text("テスト"),
            "summary": text("テスト"),
            "counter": "resident",
            "form_layout": "notification",
            "pages": pages,
            **extra,
        }
    )


MOVING = procedure(
    [
        {
            "id": "kind",
            "type": "single_choice",
            "question": text("種類"),
            "options": [
                {"value": "in", "label": text("転入")},
                {"value": "out", "label": text("転出")},
            ],
        },
        {
            "id": "has_children",
            "type": "yes_no",
            "question": text("子ども"),
            "show_if": {"equals": {"field": "kind", "value": "in"}},
        },
        {
            "id": "children",
            "type": "number",
            "question": text("人数"),
            "minimum": 1,
            "maximum": 9,
            "show_if": {"equals": {"field": "has_children", "value": True}},
        },
        {"id": "phone", "type": "phone", "question": text("電話"), "shared": "phone"},
    ],
    bring=[
        {"text": text("母子手帳"), "show_if": {"equals": {"field": "has_children", "value": True}}}
    ],
)


def juminhyo_session() -> ResidentSession:
    return ResidentSession(load_catalog("sample-city").procedure("juminhyo"), UI, today=TODAY)


def test_walk_juminhyo_to_review_and_collect_answers():
    session = juminhyo_session()
    assert session.page.id == "applicant"  # more than one kind of applicant may apply
    assert session.progress.position == 1 and session.progress.total == 3
    assert isinstance(session.submit("self"), Valid)
    assert isinstance(session.submit(2), Valid)
    assert session.page.id == "purpose"
    assert isinstance(session.submit("work"), Valid)
    assert session.step is Step.REVIEW
    assert session.answers() == {"applicant": "self", "copies": 2, "purpose": "work"}
    assert session.is_complete()


def test_invalid_answer_stays_on_the_page_with_a_message():
    session = juminhyo_session()
    session.submit("self")
    result = session.submit(11)
    assert isinstance(result, Invalid)
    assert session.page.id == "copies"
    assert "copies" not in session.answers()


def test_back_keeps_the_answers_given():
    session = juminhyo_session()
    session.submit("household")
    session.submit(3)
    session.back()
    assert session.page.id == "copies"
    assert session.answer_for("copies") == 3


def test_change_from_review_returns_to_review():
    session = juminhyo_session()
    for answer in ("self", 1, "finance"):
        session.submit(answer)
    session.change("copies")
    assert session.step is Step.QUESTION and session.page.id == "copies"
    session.submit(4)
    assert session.step is Step.REVIEW
    assert session.answers()["copies"] == 4


def test_pages_whose_condition_fails_are_skipped():
    session = ResidentSession(MOVING, UI, today=TODAY)
    session.submit("out")
    assert session.page.id == "phone"  # has_children and children do not apply
    assert session.progress.total == 2


def test_a_change_drops_answers_that_no_longer_apply():
    session = ResidentSession(MOVING, UI, today=TODAY)
    for answer in ("in", True, 2, "090-1234-5678"):
        session.submit(answer)
    assert session.answers()["children"] == 2
    assert [d.text("ja") for d in session.documents()] == ["母子手帳"]
    session.change("kind")
    session.submit("out")
    assert session.step is Step.REVIEW
    assert session.answers() == {"kind": "out", "phone": "09012345678"}
    assert session.documents() == []


def test_a_change_that_opens_a_new_page_asks_it_before_review():
    session = ResidentSession(MOVING, UI, today=TODAY)
    for answer in ("in", False, "0312345678"):
        session.submit(answer)
    session.change("has_children")
    session.submit(True)
    assert session.step is Step.QUESTION and session.page.id == "children"
    session.submit(3)
    assert session.step is Step.REVIEW and session.is_complete()


def test_a_proxy_is_told_to_bring_a_power_of_attorney():
    session = juminhyo_session()
    session.submit("proxy")
    assert session.applicant is Applicant.PROXY
    assert "委任状" in session.documents()[0].text("ja")


def test_card_prefill_is_not_asked_but_is_reviewed(residents):
    resident = residents[3]  # 𠮷田 茂, born on the first day of 昭和
    identity = procedure(
        [
            {"id": "name", "type": "kanji_name", "question": text("氏名")},
            {"id": "birth", "type": "date", "question": text("生年月日"), "latest_is_today": True},
            {"id": "copies", "type": "copies", "question": text("通数")},
        ],
        prefill={"name": "name", "birth_date": "birth"},
    )
    session = ResidentSession(
        identity,
        UI,
        today=TODAY,
        card={CardField.NAME: resident["name"], CardField.BIRTH_DATE: resident["birth"]},
    )
    assert session.page.id == "copies"
    assert session.was_given("name") and session.answer_for("name") == "𠮷田\u3000茂"
    session.submit(1)
    assert session.answers() == {"name": "𠮷田　茂", "birth": "1926-12-25", "copies": 1}


def test_a_visit_asks_shared_answers_once_and_keeps_applications_apart():
    visit = Visit([MOVING, MOVING], UI, today=TODAY)
    first = visit.session()
    for answer in ("out", "0312345678"):
        first.submit(answer)
    assert visit.advance()
    second = visit.session()
    second.submit("out")
    assert second.step is Step.REVIEW  # the phone number was not asked again
    assert second.answers()["phone"] == "0312345678"
    assert first.answers() is not second.answers()


def test_summary_lists_what_applies_and_marks_what_was_known_before():
    session = ResidentSession(MOVING, UI, today=TODAY, shared={"phone": "0312345678"})
    session.submit("out")
    items = session.summary()
    assert [item.page.id for item in items] == ["kind", "phone"]
    assert items[1].value == "0312345678" and items[1].from_card_or_visit


def test_wipe_forgets_everything():
    session = juminhyo_session()
    session.submit("self")
    session.submit(5)
    session.wipe()
    assert session.answers() == {}
    assert session.page.id == "applicant" and not session.can_go_back()


def test_unknown_page_cannot_be_changed():
    with pytest.raises(KeyError):
        juminhyo_session().change("nothing")


def test_flow_engine_drives_every_procedure_without_qt():
    code = (
        "import sys\n"
        "from tests.test_procedures_walk import CATALOG, walk\n"
        "paths = sum(len(walk(p)) for p in CATALOG.all_procedures())\n"
        "assert paths >= len(CATALOG.all_procedures()), paths\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
        "print(paths)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr


def test_the_fee_counts_the_page_the_procedure_names():
    catalog = load_catalog("sample-city")
    gomi = ResidentSession(catalog.procedure("sodai_gomi"), UI, today=TODAY)
    gomi.submit(["furniture", "bicycle"])
    gomi.submit(3)
    assert gomi.fee_units() == 3  # three items, not "copies"
    assert ResidentSession(catalog.procedure("inkan_toroku"), UI).fee_units() == 1


def test_fee_units_must_name_a_counting_page():
    with pytest.raises(ValueError, match="fee_units"):
        procedure([{"id": "kind", "type": "yes_no", "question": text("q")}], fee_units="kind")
