"""Every shipped procedure, walked by the Qt-free flow engine down every branch.

Choice pages fan out into every option, so every page and both outcomes of every condition
are reached; on every page an invalid answer is refused with a message in every language.
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
    """Every path through the procedure: (answers, session at review) for each."""
    finished, pending = [], [[]]
    while pending:
        prefix = pending.pop()
        session = ResidentSession(procedure, UI, today=TODAY)
        for answer in prefix:
            assert isinstance(session.submit(answer), Valid), (procedure.id, prefix)
        if session.step is Step.REVIEW:
            finished.append((prefix, session))
            continue
        pending += [[*prefix, answer] for answer in answers_for(session.page)]
        assert len(finished) + len(pending) < MAX_PATHS, f"{procedure.id}: too many paths"
    return finished


@pytest.mark.parametrize("procedure", CATALOG.all_procedures(), ids=lambda p: p.id)
def test_every_page_and_every_condition_branch_is_reached(procedure):
    reached: set[str] = set()
    outcomes: dict[str, set[bool]] = {}
    for _, session in walk(procedure):
        assert session.is_complete(), procedure.id
        visible = {page.id for page in session.visible_pages()}
        reached |= visible
        for page in session.pages:
            if page.show_if is not None:
                outcomes.setdefault(page.id, set()).add(page.id in visible)
        for number, document in enumerate(procedure.bring):
            if document.show_if is not None:
                holds = document.show_if.holds(session.answers())
                outcomes.setdefault(f"bring[{number}]", set()).add(holds)
        assert all(text.text("ja") for text in session.documents())
    assert reached == {page.id for page in session.pages}, procedure.id
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
