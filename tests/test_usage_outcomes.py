"""How a procedure ends and what a session changed, as the real Navigator's walks produce them
and the real backend (SQLite and PostgreSQL) counts them: a resident sent on from 転居 to the
procedure that fits an address outside the city is redirected, not abandoned; a language or
text size changed mid-session is an event, and sessions count by the language they ended in;
a finished application carries its minutes, set beside the paper form's figure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backend import db, usage_store
from backend.insights import MIN_SESSIONS, Period, figures, for_console
from core.usage_wire import UsageEvent, UsageKind
from kiosk.config_base import TextSize, Theme
from kiosk.navigator import Navigator
from kiosk.usage import UsageRecorder
from kiosk.views import CompletionView, ElsewhereView, QuestionView
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.test_navigator import (  # noqa: F401
    TOKYO_POSTAL_CODE,
    Inbox,
    answer_until,
    card_services,
    finish_current,
    read_demo_card,
)
from tests.test_usage_recorder import Clock, answer

KIOSK = [sys.executable, "-m", "kiosk"]


def recorded(services, clock: Clock, kept: list[UsageEvent]) -> Navigator:
    return Navigator(services, now=clock, usage=UsageRecorder(kept.extend, now=clock))


def to_tokyo(navigator: Navigator) -> ElsewhereView:
    """転居 without the card, its new address typed in Tokyo: the page that says so."""
    navigator.open_menu()
    navigator.choose_procedure("tenkyo")
    if not isinstance(navigator.view, QuestionView):
        navigator.continue_without_card()
    answer_until(navigator, "postal_code")
    view = navigator.submit_answer(TOKYO_POSTAL_CODE)
    assert isinstance(view, ElsewhereView) and view.other.id == "tenshutsu"
    return view


def counted(engine, kept: list[UsageEvent]) -> dict:
    usage_store.store(engine, "kiosk-01", kept)
    return {row["id"]: row for row in figures(engine, Period())["procedures"]}


def test_sent_on_to_the_procedure_that_fits_is_redirected_not_abandoned(
    card_services,  # noqa: F811
    backend_database,  # noqa: F811
):
    clock, kept = Clock(), []
    navigator = recorded(card_services, clock, kept)
    # 1: sent on to 転出 and finished it. 2: sent on, then 最初から on 転出's first page.
    for finishes in (True, False):
        to_tokyo(navigator)
        assert isinstance(navigator.go_elsewhere(), QuestionView)
        if finishes:
            assert isinstance(finish_current(navigator), CompletionView)
            navigator.after_completion()
        else:
            navigator.start_over()
    # 3: back from the outside-address page to correct it, then gone: 転居 abandoned there.
    to_tokyo(navigator)
    assert isinstance(navigator.go_back(), QuestionView)
    navigator.start_over()

    redirects = [e for e in kept if e.kind is UsageKind.PROCEDURE_REDIRECTED]
    assert [(e.procedure, e.page, e.detail) for e in redirects] == [
        ("tenkyo", "postal_code", "tenshutsu")
    ] * 2
    starts = [(e.procedure, e.detail) for e in kept if e.kind is UsageKind.PROCEDURE_STARTED]
    assert starts.count(("tenshutsu", "redirected")) == 2

    engine = db.connect(backend_database)
    try:
        found = counted(engine, kept)
    finally:
        engine.dispose()
    tenkyo, tenshutsu = found["tenkyo"], found["tenshutsu"]
    assert {k: tenkyo[k] for k in ("started", "finished", "abandoned", "redirected")} == {
        "started": 3,
        "finished": 0,
        "abandoned": 1,
        "redirected": 2,
    }
    assert tenkyo["redirected_to"] == {"tenshutsu": 2}
    assert tenkyo["completion_rate"] == 0.0  # of the one for whom 転居 was the right one
    postal = next(page for page in tenkyo["pages"] if page["id"] == "postal_code")
    assert (postal["redirected"], postal["abandoned"]) == (2, 1)
    assert {k: tenshutsu[k] for k in ("started", "finished", "abandoned", "redirected")} == {
        "started": 2,
        "finished": 1,
        "abandoned": 1,
        "redirected": 0,
    }
    assert tenshutsu["completion_rate"] == 0.5


def test_a_look_changed_mid_session_is_recorded_and_sessions_count_by_the_language_they_ended_in(
    services,
    backend_database,  # noqa: F811
):
    clock, kept = Clock(), []
    navigator = recorded(services, clock, kept)
    for switches in (True, True, False, False, False):
        navigator.open_menu()
        navigator.choose_procedure("juminhyo")
        if switches:
            navigator.set_language("en")  # on the first question
            answer(navigator, clock)
            navigator.choose_look(Theme.HIGH_CONTRAST, TextSize.LARGEST)  # on the review
        else:
            answer(navigator, clock)
        assert isinstance(navigator.submit_application(), CompletionView)
        navigator.after_completion()

    changes = [e for e in kept if e.kind is UsageKind.LOOK_CHANGED]
    assert [(e.page, e.language, e.text_size, e.contrast) for e in changes] == [
        ("applicant", "en", "standard", "standard"),
        ("review", "en", "largest", "high_contrast"),
    ] * 2
    engine = db.connect(backend_database)
    try:
        usage_store.store(engine, "kiosk-01", kept)
        found = figures(engine, Period())
    finally:
        engine.dispose()
    assert found["sessions"] == 5
    assert found["languages"] == [
        {"id": "en", "sessions": 2, "finished": 2, "switched": 2},
        {"id": "ja", "sessions": 3, "finished": 3, "switched": 0},
    ]
    assert found["text_sizes"] == [
        {"id": "largest", "sessions": 2, "finished": 2, "switched": 2},
        {"id": "standard", "sessions": 3, "finished": 3, "switched": 0},
    ]


# The seconds each resident took per page (three questions and the review, 3 s on it).
PAGE_SECONDS = [19, 39, 59, 79, 99, 199]


def walk_with_known_minutes(services, clock: Clock, kept: list, residents: list[int]) -> list:
    """Each resident answers 住民票 at their pace: (3 × pace + 3) seconds to the finalize."""
    navigator = recorded(services, clock, kept)
    for pace in residents:
        navigator.open_menu()
        navigator.choose_procedure("juminhyo")
        answer(navigator, clock, seconds=pace)
        clock.now += 3
        assert isinstance(navigator.submit_application(), CompletionView)
        navigator.after_completion()
    return [3 * pace + 3 for pace in residents]


def test_a_finished_application_carries_the_seconds_from_the_sessions_start(services):
    clock, kept = Clock(), []
    navigator = recorded(services, clock, kept)
    navigator.open_menu()
    navigator.open_category(services.catalog.procedure("juminhyo").category)
    clock.now += 100  # on the menu, before the procedure: the resident's time all the same
    navigator.choose_procedure("juminhyo")
    answer(navigator, clock, seconds=30)
    clock.now += 3
    navigator.submit_application()
    finished = [e for e in kept if e.kind is UsageKind.PROCEDURE_FINISHED]
    assert finished == []  # kept when the session ends
    navigator.after_completion()
    finished = [e for e in kept if e.kind is UsageKind.PROCEDURE_FINISHED]
    assert [e.seconds for e in finished] == [100 + 3 * 30 + 3]


def test_minutes_per_application_stand_beside_the_paper_forms_figure(
    services,
    backend_database,  # noqa: F811
    tmp_path,
):
    clock, kept = Clock(), []
    took = walk_with_known_minutes(services, clock, kept, PAGE_SECONDS)
    assert took == [60, 120, 180, 240, 300, 600]
    engine = db.connect(backend_database)
    try:
        usage_store.store(engine, "kiosk-01", kept)
        found = figures(engine, Period(), {"juminhyo": 8})
    finally:
        engine.dispose()
    juminhyo = found["procedures"][0]
    # Nearest rank over the six: the 3rd (180 s) and the 6th (600 s).
    assert (juminhyo["minutes_median"], juminhyo["minutes_p90"]) == (3.0, 10.0)
    assert juminhyo["paper_minutes"] == 8
    assert for_console(found)["procedures"][0]["minutes_median"] == 3.0

    # From the CLI, with the shipped profile's figure for the paper form.
    shown = json.loads(cli_insights(tmp_path, backend_database, "--json"))["procedures"][0]
    minutes = (shown["minutes_median"], shown["minutes_p90"], shown["paper_minutes"])
    assert minutes == (3.0, 10.0, 8)
    readable = cli_insights(tmp_path, backend_database)
    assert "中央値 3 分  90% 10 分  紙の申請書 8 分" in readable


def cli_insights(tmp_path, database: str, *extra: str) -> str:
    place = ["--data", str(tmp_path / "backend"), "--database", database]
    result = subprocess.run(
        [*KIOSK, "backend", "insights", *place, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_console_hides_the_minutes_of_fewer_than_five_applications(
    services,
    backend_database,  # noqa: F811
):
    clock, kept = Clock(), []
    walk_with_known_minutes(services, clock, kept, PAGE_SECONDS[: MIN_SESSIONS - 1])
    navigator = recorded(services, clock, kept)
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    navigator.start_over()  # a fifth start: the procedure is shown, its four minutes are not
    engine = db.connect(backend_database)
    try:
        usage_store.store(engine, "kiosk-01", kept)
        found = figures(engine, Period())
    finally:
        engine.dispose()
    assert found["procedures"][0]["minutes_median"] == 2.0  # exact for the administrator
    shown = for_console(found)["procedures"][0]
    assert (shown["started"], shown["finished"]) == (MIN_SESSIONS, MIN_SESSIONS - 1)
    assert (shown["minutes_median"], shown["minutes_p90"]) == (None, None)


@pytest.mark.parametrize("minutes", [0, -5, 601])
def test_an_implausible_paper_figure_is_refused(minutes):
    from core.catalog_files import load_catalog
    from core.municipality import Municipality

    profile = load_catalog("sample-city").municipality.model_dump()
    with pytest.raises(ValueError, match=r"paper_form_minutes\.juminhyo"):
        Municipality.model_validate(profile | {"paper_form_minutes": {"juminhyo": minutes}})
