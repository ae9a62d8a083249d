"""Usage events as the real Navigator produces them, Qt-free: what a resident's way through
the kiosk turns into, and that nothing of theirs is in it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from core.catalog_files import load_catalog
from core.usage_wire import WORD_PATTERN, UsageEvent, UsageKind
from kiosk.events import ReceiptPrinted, StaffCalled
from kiosk.navigator import Navigator
from kiosk.usage import UsageRecorder
from kiosk.views import CompletionView, QuestionView, ReviewView
from tests.test_navigator import Inbox, card_services, read_demo_card  # noqa: F401

JUMINHYO = {"applicant": "self", "copies": 2, "purpose": "work"}
VALIDATION_TEXTS = Path(__file__).parents[1] / "assets" / "i18n" / "validation.toml"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def walk(services):
    """A navigator whose usage events land in a list, on a clock the test moves."""
    clock = Clock()
    kept: list[UsageEvent] = []
    recorder = UsageRecorder(kept.extend, practice=lambda: services.practice, now=clock)
    navigator = Navigator(services, now=clock, usage=recorder)
    return navigator, clock, kept


def kinds(events: list[UsageEvent]) -> list[str]:
    return [event.kind.value for event in events]


def answer(navigator: Navigator, clock: Clock, seconds: float = 7.4) -> ReviewView:
    view = navigator.view
    while isinstance(view, QuestionView):
        clock.now += seconds
        view = navigator.submit_answer(JUMINHYO[view.page.id])
    assert isinstance(view, ReviewView)
    return view


def test_a_finished_application_is_one_session_with_its_pages_timed_to_the_second(walk):
    navigator, clock, kept = walk
    navigator.next_text_size()
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    answer(navigator, clock)
    clock.now += 3
    assert isinstance(navigator.submit_application(), CompletionView)
    assert kept == []  # nothing is written while the resident is still there
    navigator.after_completion()

    assert kinds(kept) == [
        "session_started",
        "procedure_started",
        "page_shown",
        "page_shown",
        "page_shown",
        "page_shown",
        "procedure_finished",
        "session_ended",
    ]
    started = kept[0]
    assert (started.language, started.text_size, started.contrast) == ("ja", "large", "standard")
    assert started.hour.minute == started.hour.second == 0
    pages = [(e.page, e.seconds) for e in kept if e.kind is UsageKind.PAGE_SHOWN]
    assert pages == [("applicant", 7), ("copies", 7), ("purpose", 7), ("review", 3)]
    assert len({event.session for event in kept}) == 1
    assert [event.seq for event in kept] == list(range(len(kept)))


def test_an_idle_timeout_abandons_the_procedure_on_the_page_the_resident_left(walk):
    navigator, clock, kept = walk
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    navigator.submit_answer("self")
    clock.now += 10_000  # the resident walked away
    assert navigator.check_idle().expired

    abandoned = [e for e in kept if e.kind is UsageKind.PROCEDURE_ABANDONED]
    assert [(e.procedure, e.page) for e in abandoned] == [("juminhyo", "copies")]
    assert [e.page for e in kept if e.kind is UsageKind.IDLE_TIMEOUT] == ["copies"]
    assert kept[-1].kind is UsageKind.SESSION_ENDED and kept[-1].detail == "idle"
    shown = [e for e in kept if e.kind is UsageKind.PAGE_SHOWN]
    assert shown[-1].seconds == 3600  # a page left open is counted as an hour, no longer


def test_a_refusal_names_its_message_key_and_never_the_value(walk):
    navigator, _clock, kept = walk
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    navigator.submit_answer("self")
    refused = navigator.submit_answer(99_999)  # more copies than anyone may ask for
    assert isinstance(refused, QuestionView) and refused.error is not None
    navigator.start_over()

    refusals = [e for e in kept if e.kind is UsageKind.VALIDATION_REFUSED]
    assert [(e.page, e.detail) for e in refusals] == [("copies", refused.error.key)]
    assert "99999" not in "".join(event.model_dump_json() for event in kept)


def test_back_change_and_a_staff_call_are_counted_and_a_staff_call_ends_nothing(walk):
    navigator, clock, kept = walk
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    navigator.submit_answer("self")
    navigator.on_event(StaffCalled("question"))
    navigator.go_back()
    answer(navigator, clock)
    navigator.change_answer("copies")
    answer(navigator, clock)
    application = navigator.submit_application()
    assert isinstance(application, CompletionView)
    navigator.after_completion()
    # The receipt prints after the resident left: its outcome still joins their session.
    navigator.on_event(ReceiptPrinted(application.application.id))

    assert [
        (e.kind.value, e.page) for e in kept if e.kind.value in ("staff_called", "went_back")
    ] == [
        ("staff_called", "copies"),
        ("went_back", "copies"),
    ]
    assert [e.page for e in kept if e.kind is UsageKind.CHANGED_FROM_REVIEW] == ["copies"]
    assert kinds(kept).count("procedure_finished") == 1
    assert "procedure_abandoned" not in kinds(kept)
    assert kept[-1].kind is UsageKind.RECEIPT_OUTCOME and kept[-1].detail == "printed"
    assert kept[-1].session == kept[0].session


def test_leaving_a_procedure_for_the_menu_abandons_it_and_a_new_resident_gets_a_new_key(walk):
    navigator, _clock, kept = walk
    navigator.open_menu()
    navigator.choose_procedure("juminhyo")
    navigator.go_back()  # from its first page back to the category
    navigator.start_over()
    navigator.open_menu()
    navigator.start_over()

    abandoned = [e for e in kept if e.kind is UsageKind.PROCEDURE_ABANDONED]
    assert [(e.procedure, e.page) for e in abandoned] == [("juminhyo", "applicant")]
    assert len({e.session for e in kept}) == 2
    assert kinds(kept).count("session_started") == 2


def test_a_practice_session_is_marked(walk, services):
    navigator, _clock, kept = walk
    services.set_practice(True)
    navigator.open_menu()
    navigator.start_over()
    assert kept and all(event.practice for event in kept)


def test_the_kiosk_keeps_the_events_in_its_database_by_default(services):
    navigator = Navigator(services)
    navigator.open_menu()
    navigator.start_over()
    kept = services.store.usage_to_send(100)
    assert [event.kind for _, event in kept] == [UsageKind.SESSION_STARTED, UsageKind.SESSION_ENDED]
    services.store.forget_usage([row_id for row_id, _ in kept])
    assert services.store.usage_count() == 0


def test_a_card_read_is_counted_as_how_the_procedure_started(card_services):  # noqa: F811
    clock = Clock()
    kept: list[UsageEvent] = []
    navigator = Navigator(card_services, now=clock, usage=UsageRecorder(kept.extend, now=clock))
    inbox = Inbox(card_services)
    navigator.open_menu()
    navigator.choose_procedure("tenkyo")
    read_demo_card(navigator, card_services, inbox)
    navigator.start_over()

    started = [e for e in kept if e.kind is UsageKind.PROCEDURE_STARTED]
    assert [(e.procedure, e.detail) for e in started] == [("tenkyo", "card")]
    assert [e.page for e in kept if e.kind is UsageKind.CARD_USED] == ["card"]
    assert "card_failed" not in kinds(kept)


def test_every_shipped_procedure_and_page_id_and_message_key_fits_the_usage_wire():
    """An id the wire refuses would be left out of the figures: none of the shipped ones is."""
    catalog = load_catalog("sample-city")
    ids = {procedure.id for procedure in catalog.procedures()}
    ids |= {page.id for procedure in catalog.procedures() for page in procedure.pages}
    ids |= {"applicant", "review", "card", "elsewhere"}
    keys = set(tomllib.loads(VALIDATION_TEXTS.read_text(encoding="utf-8")))
    assert ids and keys
    assert [word for word in ids | keys if not re.fullmatch(WORD_PATTERN, word)] == []
