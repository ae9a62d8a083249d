"""Repeated groups (issue #18): the catalog check accepts them and words what is wrong with a
broken one; conditions read a group; the answer travels as a list of objects — wire bounds,
the phone pre-entry payload, the counter's lines, `kiosk backend show` and the CSV export's
numbered columns."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.console.answers import sections
from backend.preentry.answers import payload_answers
from core import preentry
from core.catalog_files import check_paths, load_catalog
from core.conditions import Condition
from core.flow import ResidentSession
from core.i18n import UiText
from core.wire import MAX_GROUP_MEMBERS, SealedPayload
from tests.test_backend_cli import Host

CATALOG = load_catalog("sample-city")
TENNYU = CATALOG.procedure("tennyu")
SHIPPED = Path(__file__).resolve().parent.parent / "assets" / "procedures" / "tennyu.toml"
TODAY = date(2026, 11, 26)


def mover(name: str, birth: str, relation: str = "child") -> dict:
    return {
        "mover_name": name,
        "mover_kana": "ヤマダ\u3000タロウ",
        "mover_birth_date": birth,
        "mover_sex": "male",
        "mover_relation": relation,
    }


FOUR = [
    mover("山田\u3000花子", "1985-04-01", "head"),
    mover("山田\u3000一郎", "1983-06-01", "spouse"),
    mover("山田\u3000太郎", "2017-05-01"),
    mover("山田\u3000次郎", "2021-09-01"),
]


MALE_MOVER = 'show_if = { equals = { field = "mover_sex", value = "male" } }\n'

# -- the format ---------------------------------------------------------------------------


def edited(tmp_path: Path, change) -> list[str]:
    """The catalog check's problems for tennyu.toml with `change` applied to its TOML text."""
    path = tmp_path / "tennyu.toml"
    path.write_text(change(SHIPPED.read_text(encoding="utf-8")), encoding="utf-8")
    return check_paths([path])


def test_the_shipped_groups_are_accepted_with_their_bounds():
    group = TENNYU.group("movers")
    assert group is not None and (group.minimum, group.maximum) == (1, 10)
    assert group.pages[0] == "mover_name" and group.prefill
    assert group.label_for(3).text("ja") == "3人目の方"
    assert group.label_for(3).text("en") == "Person 3"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda text: text.replace(
                'pages = ["mover_name", "mover_kana"', 'pages = ["mover_nam", "mover_kana"'
            ),
            ["'mover_nam' is not a page of this procedure", "allowed:", "groups[1] 'movers'"],
        ),
        (
            lambda text: text.replace(
                "minimum = 1\nmaximum = 10\nmember_label", "minimum = 5\nmaximum = 3\nmember_label"
            ),
            ["minimum 5 is larger than maximum 3", "allowed: minimum ≤ maximum"],
        ),
        (
            lambda text: text.replace(
                'member_label = { ja = "{n}人目の方"', 'member_label = { ja = "人目の方"'
            ),
            ["member_label.ja", "'人目の方' has no {n}"],
        ),
        (
            lambda text: text.replace(
                'pages = ["mover_name", "mover_kana", "mover_birth_date"',
                'pages = ["mover_name", "moving_out_by", "mover_birth_date"',
            ),
            ["must follow each other"],
        ),
        (
            lambda text: text.replace(
                'prefill = { name = "mover_name"', 'prefill = { name = "name"'
            ),
            [
                "prefill: name goes to 'name', which is not a page of the group",
                "allowed: mover_name",
            ],
        ),
        (
            lambda text: text.replace(
                '{ any_member = { group = "movers", where = { all',
                '{ any_member = { group = "mover", where = { all',
                1,
            ),
            ["reads 'mover', which is not an earlier page nor a group (groups: movers)"],
        ),
        (
            lambda text: text.replace(
                'id = "school_children"\ntype = "yes_no"\n',
                'id = "school_children"\ntype = "yes_no"\n' + MALE_MOVER,
            ),
            ["reads 'mover_sex'", "asked per member of group 'movers'", "any_member"],
        ),
        (
            lambda text: text.replace('mover_kana = "kana"', 'mover_kana = "phone"'),
            ["first_from: mover_kana = 'phone' is not a page asked once before the group"],
        ),
        (
            lambda text: text.replace('mover_kana = "kana"', 'mover_kana = "name"'),
            ["first_from: mover_kana is a kana_name page and 'name' a kanji_name page"],
        ),
    ],
    ids=[
        "unknown page",
        "min over max",
        "label without n",
        "apart",
        "prefill",
        "group",
        "member page",
        "first_from after",
        "first_from type",
    ],
)
def test_a_broken_group_is_reported_with_file_place_value_and_allowed(tmp_path, change, words):
    problems = edited(tmp_path, change)
    assert problems, "the broken group was accepted"
    text = "\n".join(problems)
    assert "tennyu.toml" in text
    for word in words:
        assert word in text, text


def test_conditions_count_members_and_look_into_each():
    school_age = Condition.model_validate(
        {
            "any_member": {
                "group": "movers",
                "where": {
                    "all": [
                        {"age_at_least": {"field": "mover_birth_date", "years": 6}},
                        {"not": {"age_at_least": {"field": "mover_birth_date", "years": 15}}},
                    ]
                },
            }
        }
    )
    assert school_age.holds({"movers": FOUR}, TODAY)
    assert not school_age.holds({"movers": FOUR[:2]}, TODAY)
    assert not school_age.holds({"movers": "not a list"}, TODAY)
    two = Condition.model_validate({"members": {"group": "movers", "at_least": 2}})
    assert two.holds({"movers": FOUR}) and not two.holds({"movers": FOUR[:1]})
    with pytest.raises(ValidationError):
        Condition.model_validate({"members": {"group": "movers"}})


# -- where the answer travels ---------------------------------------------------------------


def test_the_wire_bounds_a_groups_members():
    ok = SealedPayload.model_validate({"procedure": "tennyu", "answers": {"movers": FOUR}})
    assert ok.answers["movers"][2]["mover_name"] == "山田\u3000太郎"
    too_many = [FOUR[0]] * (MAX_GROUP_MEMBERS + 1)
    with pytest.raises(ValidationError, match="more than 20 members"):
        SealedPayload.model_validate({"procedure": "tennyu", "answers": {"movers": too_many}})
    with pytest.raises(ValidationError, match="one per member"):
        SealedPayload.model_validate({"procedure": "tennyu", "answers": {"movers": [FOUR[0], "x"]}})


def test_a_phone_code_carries_the_members_and_the_kiosk_asks_nothing_again():
    code = preentry.encode_v2(
        "tennyu",
        {"movers": FOUR, "mover_name": "stray"},
        procedure_version=1,
        expires=TODAY,
        practice=False,
    )
    entry = preentry.parse(code, CATALOG, today=TODAY)
    assert entry.answers["movers"] == FOUR
    assert "mover_name" in entry.refused  # a member's page travels only inside its member
    eleven = preentry.encode_v2(
        "tennyu", {"movers": [*FOUR] * 3}, procedure_version=1, expires=TODAY, practice=False
    )
    parsed = preentry.parse(eleven, CATALOG, today=TODAY)
    assert len(parsed.answers["movers"]) == 10 and "movers" in parsed.refused


@pytest.mark.parametrize("applicant", ["self", "proxy"])
def test_the_phones_code_lists_members_as_rows_and_the_applicants_name_once(applicant):
    """The phone writes each member as a row in the group's page order, and leaves out of the
    first the name, reading and birth date the kiosk takes from the applicant's own answers
    (first_from): a household's code stays small enough to scan. Not for a proxy."""
    first = FOUR[0]
    answers = {
        "applicant": applicant,
        "name": first["mover_name"],
        "kana": first["mover_kana"],
        "birth_date": first["mover_birth_date"],
        "movers": FOUR,
    }
    pages = {page.id: page for page in TENNYU.pages}
    carried = payload_answers(answers, pages, TENNYU.groups)
    rows = carried["movers"]
    assert rows[1] == ["山田\u3000一郎", "ヤマダ\u3000タロウ", "1983-06-01", "male", "spouse"]
    if applicant == "self":
        assert rows[0] == [None, None, None, "male", "head"]
    else:
        assert rows[0][0] == first["mover_name"]
    code = preentry.encode_v2("tennyu", carried, procedure_version=1, expires=TODAY, practice=False)
    assert '"mover_name"' not in code  # the page ids are in the catalog, not in every row
    entry = preentry.parse(code, CATALOG, today=TODAY)
    assert not entry.refused
    session = ResidentSession(TENNYU, UiText.load(), prefill=entry.answers, today=TODAY)
    assert session.answers()["movers"] == FOUR  # the kiosk has all four, the first in full
    too_long = preentry.encode_v2(
        "tennyu",
        {"movers": [[*rows[1], "extra"]]},
        procedure_version=1,
        expires=TODAY,
        practice=False,
    )
    assert "movers.1" in preentry.parse(too_long, CATALOG, today=TODAY).refused


def test_the_counter_sees_a_line_per_member_and_page():
    lines = [line for s in sections(TENNYU, {"movers": FOUR}) for line in s.lines]
    labels = [line.label for line in lines]
    assert "1人目の方　氏名" in labels and "4人目の方　氏名" in labels
    fourth = next(line for line in lines if line.label == "4人目の方　氏名")
    assert fourth.text == "山田\u3000次郎" and not fourth.unknown


def test_show_and_the_csv_list_every_member(tmp_path):
    root = tmp_path / "backend"
    counter = Host(root, f"sqlite:///{root / 'counter.sqlite3'}")
    four = counter.receive("tennyu", {"moving_date": "2026-11-20", "movers": FOUR}, "A-001")
    counter.receive("tennyu", {"moving_date": "2026-11-21", "movers": FOUR[:1]}, "A-002")
    shown = counter.cli("show", four).stdout.decode()
    assert "異動した方（4）:" in shown
    assert "    3人目の方 引っ越してきた方のお名前は: 山田\u3000太郎" in shown
    assert "    2人目の方 世帯主から見て、この方は: 妻・夫（spouse）" in shown

    out = tmp_path / "export.csv"
    counter.cli("export", "--format", "csv", "--output", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2  # one row per application, the household on one row
    header = list(rows[0])
    maximum = TENNYU.group("movers").maximum
    numbered = [f"answer.movers.{n}.mover_name" for n in range(1, maximum + 1)]
    assert all(column in header for column in numbered)
    assert header.index("answer.movers.2.mover_name") < header.index("answer.movers.10.mover_name")
    assert "answer.mover_name" not in header and "answer.movers" not in header
    household = next(row for row in rows if row["reception_number"] == "A-001")
    assert [household[column] for column in numbered[:4]] == [m["mover_name"] for m in FOUR]
    assert household["answer.movers.5.mover_name"] == "" and household["answers_other"] == ""
    assert household["answer.movers.3.mover_birth_date"] == "2017-05-01"


def test_the_shipped_procedure_file_parses_as_toml():
    assert tomllib.loads(SHIPPED.read_text(encoding="utf-8"))["groups"][0]["id"] == "movers"
