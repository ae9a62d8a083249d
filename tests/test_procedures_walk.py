"""Every shipped procedure, walked by the Qt-free flow engine down every branch.

Choice pages fan out into every option, so every page and both outcomes of every condition
are reached; on every page an invalid answer is refused with a message in every language.
A repeated group (core.catalog_pages.Group) is walked with one member and with its maximum:
the first member's pages fan out, later members take one answer each (their pages are the
same pages), and 「ほかにも…」 is いいえ after the first member or はい up to the maximum.
"""

from datetime import date

import pytest

from core.catalog import FieldType, Page, Procedure
from core.catalog_files import load_catalog
from core.flow import ResidentSession, Step
from core.i18n import LANGUAGES, UiText
from core.validators import Invalid, Valid

UI = UiText.load()
TODAY = date(2026, 11, 26)
CATALOG = load_catalog("sample-city")
MAX_PATHS = 5000
CHILD_BIRTH = "2017-05-01"  # 9 on TODAY: a primary-school pupil

ONE_ANSWER = {
    FieldType.KANA_NAME: "ヤマダ ハナコ",
    FieldType.KANJI_NAME: "山田 花子",
    FieldType.POSTAL_CODE: "100-0001",
    FieldType.ADDRESS: "千代田1-1",
    FieldType.PHONE: "03-1234-5678",
    FieldType.CONSENT: True,
    FieldType.TEXT: "特になし",
    FieldType.MY_NUMBER: "621498320257",
}
INVALID_ANSWER = {
    FieldType.KANA_NAME: "山田",
    FieldType.KANJI_NAME: "山田\x07",  # a control character: refused even on optional pages
    FieldType.DATE: "2100-13-40",
    FieldType.POSTAL_CODE: "12",
    FieldType.ADDRESS: "1-2\x07",
    FieldType.PHONE: "12345",
    FieldType.NUMBER: "many",
    FieldType.SINGLE_CHOICE: "no_such_option",
    FieldType.MULTIPLE_CHOICE: ["no_such_option"],
    FieldType.YES_NO: "perhaps",
    FieldType.COPIES: 11,
    FieldType.CONSENT: False,
    FieldType.TEXT: "\x00",
    FieldType.MY_NUMBER: "621498320258",
}


def base_id(page_id: str) -> str:
    """A member's page by its catalog id ("mover_name#3" → "mover_name")."""
    name, _, number = page_id.partition("#")
    return name if number.isdigit() else page_id


def answers_in(session: ResidentSession) -> list:
    """The answers to walk on the session's current page, groups as above."""
    page = session.page
    group = next((g for g in session.procedure.groups if page.id == f"{g.id}#more"), None)
    if group is not None:
        return [True, False] if session.members(group.id) == 1 else [True]
    member = session.member(page.id)
    if member is not None and (member.number > 1 or member.page_id not in read(session)):
        return answers_for(page)[-1:]  # a branch nothing reads: one answer walks it
    if member is not None and page.type is FieldType.DATE:
        return [*answers_for(page), CHILD_BIRTH]  # a school-age child among the members
    return answers_for(page)


def read(session: ResidentSession) -> set[str]:
    """The pages some condition of the procedure reads, also through any_member."""
    procedure = session.procedure
    conditions = [page.show_if for page in procedure.pages]
    conditions += [rule.when for page in procedure.pages for rule in page.derive]
    conditions += [document.show_if for document in procedure.bring]
    conditions += [flag.when for flag in procedure.flags]
    conditions += [item.show_if for item in procedure.checklist]
    fields: set[str] = set()
    for condition in filter(None, conditions):
        fields |= set(condition.fields())
        for _, where in condition.member_conditions():
            fields |= set(where.fields())
    return fields


def answers_for(page: Page) -> list:
    """The answers a resident could give, one per branch that matters."""
    kind = page.type
    if kind is FieldType.SINGLE_CHOICE:
        return [option.value for option in page.options]
    if kind is FieldType.MULTIPLE_CHOICE:
        values = [option.value for option in page.options]
        return (
            [[value] for value in values][: max(page.high, 1)]
            if page.low <= 1
            else [values[: page.low]]
        )
    if kind is FieldType.YES_NO:
        return [True, False]
    if kind in (FieldType.NUMBER, FieldType.COPIES):
        return [page.low]
    if kind is FieldType.DATE:
        # A resident in their forties and one of 76: pages whose answer follows from an age
        # (derive rules) are reached both derived and asked.
        earliest = page.earliest or date(1950, 1, 1)
        days = {max(earliest, date(1980, 4, 1)), max(earliest, date(1950, 4, 1))}
        return sorted(day.isoformat() for day in days)
    return [ONE_ANSWER[kind]]


def walk(procedure: Procedure):
    """Every path through the procedure: (answers, session at review) for each. A path is
    replayed from the start only where it branches."""
    finished, pending = [], [[]]
    while pending:
        prefix = pending.pop()
        session = ResidentSession(procedure, UI, today=TODAY)
        for answer in prefix:
            assert isinstance(session.submit(answer), Valid), (procedure.id, prefix)
        while session.step is not Step.REVIEW:
            answers = answers_in(session)
            if len(answers) > 1:
                pending += [[*prefix, answer] for answer in answers]
                break
            prefix = [*prefix, answers[0]]
            assert isinstance(session.submit(answers[0]), Valid), (procedure.id, prefix)
        else:
            finished.append((prefix, session))
        assert len(finished) + len(pending) < MAX_PATHS, f"{procedure.id}: too many paths"
    return finished


@pytest.mark.parametrize("procedure", CATALOG.all_procedures(), ids=lambda p: p.id)
def test_every_page_and_every_condition_branch_is_reached(procedure):
    reached: set[str] = set()
    every: set[str] = set()
    outcomes: dict[str, set[bool]] = {}
    for _, session in walk(procedure):
        assert session.is_complete(), procedure.id
        visible = {page.id for page in session.visible_pages()}
        reached |= {base_id(page_id) for page_id in visible}
        every |= {base_id(page.id) for page in session.pages}
        for page in session.pages:
            if page.show_if is not None:
                outcomes.setdefault(base_id(page.id), set()).add(page.id in visible)
        for number, document in enumerate(procedure.bring):
            if document.show_if is not None:
                holds = document.show_if.holds(session.answers())
                outcomes.setdefault(f"bring[{number}]", set()).add(holds)
        assert all(text.text("ja") for text in session.documents())
    assert reached == every, procedure.id
    one_sided = {place: seen for place, seen in outcomes.items() if seen != {True, False}}
    assert one_sided == {}, f"{procedure.id}: conditions that never change: {one_sided}"


@pytest.mark.parametrize("procedure", CATALOG.all_procedures(), ids=lambda p: p.id)
def test_every_page_refuses_an_invalid_answer_in_plain_words(procedure):
    seen: set[str] = set()
    for prefix, _ in walk(procedure):
        session = ResidentSession(procedure, UI, today=TODAY)
        for answer in prefix:
            page = session.page
            if page.id not in seen:
                seen.add(page.id)
                result = session.submit(INVALID_ANSWER[page.type])
                assert isinstance(result, Invalid), (procedure.id, page.id)
                assert session.page.id == page.id  # the resident stays on the page
                for language in LANGUAGES:
                    message = UI.get(result.message_key, language, **dict(result.values))
                    assert message and "{" not in message
            session.submit(answer)


GROUPED = [procedure for procedure in CATALOG.all_procedures() if procedure.groups]


def test_the_paper_forms_groups_are_in_the_catalog():
    grouped = {procedure.id: [g.id for g in procedure.groups] for procedure in GROUPED}
    assert grouped["tennyu"] == ["movers"] and grouped["tenkyo"] == ["movers"]
    assert grouped["tenshutsu"] == ["movers"] and grouped["jido_teate"] == ["children"]
    assert grouped["sodai_gomi"] == ["articles"]  # every item, its fee per item


@pytest.mark.parametrize("procedure", GROUPED, ids=lambda p: p.id)
def test_every_group_is_walked_with_one_member_and_with_its_maximum(procedure):
    sizes: dict[str, set[int]] = {}
    for _, session in walk(procedure):
        answers = session.answers()
        for group in procedure.groups:
            members = answers[group.id]
            assert len(members) == session.members(group.id)
            sizes.setdefault(group.id, set()).add(len(members))
            for number, member in enumerate(members, start=1):
                asked = {
                    base_id(item.page.id)
                    for item in session.summary()
                    if item.member and item.member.number == number and item.page.required
                }
                assert asked <= member.keys(), (procedure.id, number, asked - member.keys())
            assert not any("#" in key for key in answers), answers.keys()
    for group in procedure.groups:
        assert sizes[group.id] == {1, group.maximum}, (procedure.id, group.id)
