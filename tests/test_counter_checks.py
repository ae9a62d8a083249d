"""The counter's checklist and flags (issue 20): written once in the catalog, computed from an
application's answers as of the day it was made (backend/console/checklist.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from backend.console import checklist
from core.catalog import Procedure
from core.catalog_files import load_catalog
from core.conditions import Condition

MADE_ON = date(2026, 12, 4)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog("sample-city")


def _days_before(days: int) -> str:
    return (MADE_ON - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("days", "late"), [(0, False), (14, False), (15, True), (400, True)])
def test_days_ago_counts_whole_days_from_the_day_given(days, late):
    condition = Condition.model_validate({"days_ago": {"field": "moving_date", "more_than": 14}})
    assert condition.holds({"moving_date": _days_before(days)}, MADE_ON) is late
    assert list(condition.fields()) == ["moving_date"]
    assert list(condition.date_fields()) == ["moving_date"]


@pytest.mark.parametrize("answer", [None, "", "昨日", 20260101, ["2026-01-01"]])
def test_days_ago_raises_nothing_from_an_answer_that_is_not_a_date(answer):
    condition = Condition.model_validate({"days_ago": {"field": "d", "more_than": 1}})
    assert condition.holds({"d": answer}, MADE_ON) is False


def test_a_late_tenkyo_by_a_proxy_is_flagged_twice(catalog):
    tenkyo = catalog.procedure("tenkyo")
    answers = {"applicant": "proxy", "moving_date": _days_before(20)}
    raised = checklist.flags(tenkyo, answers, MADE_ON)
    assert any("14日を過ぎた届出" in text for text in raised)
    assert any("委任状" in text for text in raised)
    on_time = checklist.flags(
        tenkyo, {"applicant": "self", "moving_date": _days_before(3)}, MADE_ON
    )
    assert on_time == []


def test_the_day_it_was_made_counts_not_the_day_it_is_opened(catalog):
    tenkyo = catalog.procedure("tenkyo")
    answers = {"applicant": "self", "moving_date": _days_before(10)}
    assert checklist.flags(tenkyo, answers, MADE_ON) == []
    assert checklist.flags(tenkyo, answers, MADE_ON + timedelta(days=30)) != []


def test_a_child_past_the_age_is_flagged_on_a_child_allowance(catalog):
    jido = catalog.procedure("jido_teate")
    # Every child is a member of the children group: one past the age is enough.
    young = {"child_birth_date": date(2015, 4, 1).isoformat()}
    older = {"children": [young, {"child_birth_date": date(2008, 4, 1).isoformat()}]}
    younger = {"children": [young]}
    assert any("18歳以上" in text for text in checklist.flags(jido, older, MADE_ON))
    assert checklist.flags(jido, younger, MADE_ON) == []


def test_the_checklist_is_who_then_documents_then_fee_then_the_procedures_own(catalog):
    tennyu = catalog.procedure("tennyu")
    answers = {"applicant": "proxy", "moving_out_by": "certificate"}
    lines = checklist.checklist(tennyu, answers, "なし", MADE_ON)
    texts = [line.text for line in lines]
    assert texts[0] == checklist.IDENTITY
    assert "委任状" in texts[1]  # a proxy's power of attorney before the catalog's documents
    assert any("転出証明書の異動者" in text for text in texts)  # show_if holds
    assert texts[-2:] == [
        "届出期間（住み始めた日から14日以内）を確かめた",
        "転出証明書の異動者・転出予定日が届出の内容と合うことを確かめた",
    ]
    assert not any(text.startswith("手数料") for text in texts)
    overseas = checklist.checklist(tennyu, {"moving_out_by": "overseas"}, "なし", MADE_ON)
    assert not any("転出証明書の異動者" in line.text for line in overseas)
    juminhyo = checklist.checklist(catalog.procedure("juminhyo"), {}, "600円", MADE_ON)
    assert "手数料 600円 を受け取った" in [line.text for line in juminhyo]


def test_line_keys_are_stable_and_distinct_and_unknown_ticks_count_for_nothing(catalog):
    tennyu = catalog.procedure("tennyu")
    answers = {"applicant": "proxy", "moving_out_by": "certificate"}
    first = checklist.checklist(tennyu, answers, "なし", MADE_ON)
    again = checklist.checklist(tennyu, answers, "なし", MADE_ON)
    keys = [line.key for line in first]
    assert keys == [line.key for line in again] and len(set(keys)) == len(keys)
    assert checklist.missing(first, keys) == []
    assert checklist.missing(first, [*keys[1:], "identity-forged"]) == first[:1]


def _procedure(**extra) -> dict:
    return {
        "id": "p",
        "version": 1,
        "category": "c",
        "title": {"ja": "て"},
        "summary": {"ja": "て"},
        "counter": "resident",
        "form_layout": "notification",
        "pages": [
            {"id": "day", "type": "date", "question": {"ja": "日"}},
            {"id": "name", "type": "text", "question": {"ja": "名"}},
        ],
        **extra,
    }


def _flag(when: dict) -> dict:
    return {"flags": [{"id": "f", "text": {"ja": "x"}, "when": when}]}


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (_flag({"equals": {"field": "nope", "value": 1}}), "reads 'nope'"),
        (_flag({"days_ago": {"field": "name", "more_than": 1}}), "not a date page"),
        ({"checklist": [{"id": "a", "text": {"ja": "x"}}] * 2}, "unique"),
    ],
)
def test_the_catalog_refuses_counter_rules_it_cannot_evaluate(extra, said):
    with pytest.raises(ValidationError, match=said):
        Procedure.model_validate(_procedure(**extra))
    Procedure.model_validate(_procedure())  # the same without them loads
