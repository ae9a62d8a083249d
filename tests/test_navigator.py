"""The resident's routes through the kiosk, without Qt: the navigator's views and what it forgets.

Events that a window would get from the Qt bridge are taken here from the bus and handed to
the navigator on the test's thread, as the bridge hands them over on the GUI thread.
"""

from __future__ import annotations

import queue
import random
import subprocess
import sys
import time
from datetime import date

import pytest

from core import preentry
from devices.scanner import Scan, SimulatedScanner
from kiosk.card_session import CardStep
from kiosk.cli.local_backend import build_services
from kiosk.config import TextSize, Theme
from kiosk.events import (
    PAYLOADS,
    CardPageChanged,
    Event,
    EventKind,
    ReceiptFailed,
    ReceiptPrinted,
    ScanRefused,
)
from kiosk.navigator import Navigator
from kiosk.simulate import BUILT_IN_RESIDENTS, _candidates
from kiosk.views import (
    AddressSource,
    CardView,
    CompletionView,
    ElsewhereView,
    EventReaction,
    HomeView,
    LifeEventView,
    MenuView,
    NaviMode,
    QuestionView,
    ReviewView,
    ScanView,
    Screen,
)

EVENT_TIMEOUT_S = 10.0
JUMINHYO = {"applicant": "self", "copies": 2, "purpose": "work"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Inbox:
    """The bus's events, delivered to the navigator on this thread (the bridge's job)."""

    def __init__(self, services) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        services.events.subscribe(self.events.put)

    def next_of(self, *kinds: EventKind) -> Event:
        """The next event of these kinds; others (a device status from the supervisor's own
        thread, say) come whenever they come and are passed over."""
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {kinds} event came"
            event = self.events.get(timeout=left)
            if event.kind in kinds:
                return event

    def deliver_until(self, navigator: Navigator, condition) -> None:
        deadline = time.monotonic() + EVENT_TIMEOUT_S
        while not condition():
            left = deadline - time.monotonic()
            assert left > 0, "the expected event did not come"
            try:
                navigator.on_event(self.events.get(timeout=left))
            except queue.Empty:
                continue


@pytest.fixture
def card_services(settings, kiosk_paths):
    built = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    yield built
    built.close()


def answer_juminhyo(navigator: Navigator) -> ReviewView:
    view = navigator.choose_procedure("juminhyo")
    while isinstance(view, QuestionView):
        view = navigator.submit_answer(JUMINHYO[view.page.id])
    assert isinstance(view, ReviewView)
    return view


def read_demo_card(navigator: Navigator, services, inbox: Inbox) -> None:
    """Place the demo card, enter its PIN, take it: the card page ends on its own."""

    def on_step(step: CardStep):
        return lambda: navigator.card_page is not None and navigator.card_page.step is step

    inbox.deliver_until(navigator, on_step(CardStep.WAITING_FOR_CARD))
    navigator.place_demo_card()
    inbox.deliver_until(navigator, on_step(CardStep.PIN_ENTRY))
    navigator.enter_pin(services.card_reading.demo_pin)
    inbox.deliver_until(navigator, on_step(CardStep.TAKE_CARD))
    navigator.take_demo_card()
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.CARD)


# -- routes -------------------------------------------------------------------------------


def test_the_navigator_module_loads_without_qt():
    probe = "import sys, kiosk.navigator; sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def test_home_menu_category_procedure_question(services):
    navigator = Navigator(services)
    assert isinstance(navigator.view, HomeView) and navigator.view.accepting
    menu = navigator.open_menu()
    assert isinstance(menu, MenuView) and menu.category is None
    assert "certificates" in [category.id for category in menu.categories]
    category = navigator.open_category("certificates")
    assert isinstance(category, MenuView) and category.category.id == "certificates"
    assert "juminhyo" in [procedure.id for procedure in category.procedures]
    question = navigator.choose_procedure("juminhyo")
    assert isinstance(question, QuestionView) and question.page.id == "applicant"
    assert question.progress.position == 1 and question.error is None


def test_back_from_the_menu_goes_to_categories_then_home(services):
    navigator = Navigator(services)
    navigator.open_category("certificates")
    back = navigator.go_back()
    assert isinstance(back, MenuView) and back.category is None
    assert navigator.go_back().screen is Screen.HOME


def test_back_from_first_question_returns_to_category(services):
    navigator = Navigator(services)
    navigator.choose_procedure("juminhyo")
    back = navigator.go_back()
    assert isinstance(back, MenuView) and back.category.id == "certificates"


def test_an_invalid_answer_stays_on_its_page_with_the_reason(services):
    navigator = Navigator(services)
    navigator.choose_procedure("juminhyo")
    navigator.submit_answer("self")
    navigator.submit_answer(2)
    refused = navigator.submit_answer(None)
    assert isinstance(refused, QuestionView) and refused.page.id == "purpose"
    assert refused.error is not None and refused.error.key == "choice_missing"


def test_review_change_and_back_keep_the_answers(services):
    navigator = Navigator(services)
    review = answer_juminhyo(navigator)
    assert [item.value for item in review.items] == list(JUMINHYO.values())
    change = navigator.change_answer("copies")
    assert isinstance(change, QuestionView) and change.answer == 2
    back_to_review = navigator.submit_answer(3)
    assert isinstance(back_to_review, ReviewView)
    assert navigator.session.answers() == {**JUMINHYO, "copies": 3}
    last = navigator.go_back()
    assert isinstance(last, QuestionView) and last.page.id == "copies" and last.answer == 3


def test_submit_shows_the_number_and_forgets_the_answers(services):
    navigator = Navigator(services)
    answer_juminhyo(navigator)
    session = navigator.session
    done = navigator.submit_application()
    assert isinstance(done, CompletionView)
    assert str(done.application.reception_number) == "A-001"
    assert done.print_status == "printing" and not done.more_to_come
    assert navigator.session is None and session.answers() == {}
    assert navigator.after_completion().screen is Screen.HOME


def test_without_a_sealing_key_review_says_so_and_keeps_the_answers(services):
    services._seal_key = None
    navigator = Navigator(services)
    assert not navigator.view.accepting
    answer_juminhyo(navigator)
    refused = navigator.submit_application()
    assert isinstance(refused, ReviewView) and refused.error.key == "not_accepting"
    assert navigator.session.answers() == JUMINHYO


def test_receipt_printed_then_nothing_for_another_application(services):
    navigator = Navigator(services)
    answer_juminhyo(navigator)
    done = navigator.submit_application()
    other = navigator.on_event(ReceiptPrinted("someone-else"))
    assert other is EventReaction.IGNORED and navigator.view.print_status == "printing"
    assert navigator.on_event(ReceiptPrinted(done.application.id)) is EventReaction.RENDER
    assert navigator.view.print_status == "printed"


def test_receipt_failure_shows_problem_with_number(services):
    navigator = Navigator(services)
    answer_juminhyo(navigator)
    done = navigator.submit_application()
    failed = ReceiptFailed(done.application.id, "failed_before_start", "printer_paper_out")
    assert navigator.on_event(failed) is EventReaction.PRINT_PROBLEM
    view = navigator.view
    assert isinstance(view, CompletionView) and view.print_status == "printer_paper_out"
    assert view.application.reception_number == done.application.reception_number


def test_the_real_printer_event_reaches_the_completion_view(services):
    inbox = Inbox(services)
    navigator = Navigator(services)
    answer_juminhyo(navigator)
    navigator.submit_application()
    inbox.deliver_until(navigator, lambda: navigator.view.print_status == "printed")


# -- the My Number Card ---------------------------------------------------------------------


def test_card_procedure_goes_to_card_page_then_questions_with_card_prefill(card_services):
    inbox = Inbox(card_services)
    navigator = Navigator(card_services)
    card = navigator.choose_procedure("zeishomei")
    assert isinstance(card, CardView) and card.page.step is CardStep.WAITING_FOR_CARD
    assert card.demo_pin == card_services.card_reading.demo_pin
    read_demo_card(navigator, card_services, inbox)
    assert isinstance(navigator.view, QuestionView)
    assert navigator.session.answer_for("name") is not None
    assert navigator.card_page is None


def test_continue_without_card_asks_everything(card_services):
    navigator = Navigator(card_services)
    navigator.choose_procedure("zeishomei")
    view = navigator.continue_without_card()
    assert isinstance(view, QuestionView) and navigator.session.answer_for("name") is None
    assert navigator.card_procedure_id is None


def test_back_from_the_card_page_returns_to_its_category(card_services):
    navigator = Navigator(card_services)
    navigator.choose_procedure("zeishomei")
    back = navigator.go_back()
    procedure = card_services.catalog.procedure("zeishomei")
    assert isinstance(back, MenuView) and back.category.id == procedure.category


def test_a_card_page_after_leaving_is_ignored(card_services):
    navigator = Navigator(card_services)
    navigator.choose_procedure("zeishomei")
    navigator.end_session()
    late = CardPageChanged(CardStep.PIN_ENTRY, "card_pin")
    assert navigator.on_event(late) is EventReaction.IGNORED
    assert navigator.view.screen is Screen.HOME and navigator.card_page is None


def test_the_card_page_can_hand_over_to_the_phone_code(card_services):
    navigator = Navigator(card_services)
    navigator.choose_procedure("zeishomei")
    assert isinstance(navigator.card_to_scan(), ScanView)
    assert navigator.card_procedure_id is None


# -- 手続きナビ and a visit -----------------------------------------------------------------


def moving_plan(navigator: Navigator, answers: dict[str, bool]) -> LifeEventView:
    assert navigator.open_navi().mode is NaviMode.EVENTS
    view = navigator.choose_life_event("moving")
    while view.mode is NaviMode.QUESTION:
        view = navigator.answer_navi(answers[view.question.id])
    assert view.mode is NaviMode.PLAN
    return view


def finish_current(navigator: Navigator) -> CompletionView:
    """Answer each page the way `kiosk simulate` does: the first candidate the page accepts."""
    rng, today = random.Random(7), date.today()
    view = navigator.view
    while isinstance(view, QuestionView):
        area = navigator.session.area  # an in-city page takes the municipality's own towns
        for candidate in _candidates(view.page, BUILT_IN_RESIDENTS[0], rng, today, area):
            answered = navigator.submit_answer(candidate)
            if not (isinstance(answered, QuestionView) and answered.error):
                break
        view = answered
    assert isinstance(view, ReviewView)
    done = navigator.submit_application()
    assert isinstance(done, CompletionView)
    return done


def test_navi_back_goes_one_question_back_then_to_the_events(services):
    navigator = Navigator(services)
    navigator.open_navi()
    first = navigator.choose_life_event("moving").question.id
    assert navigator.answer_navi(False).question.id != first
    assert navigator.go_back().question.id == first
    assert navigator.go_back().mode is NaviMode.EVENTS


def test_visit_reads_card_once_and_advances_after_completion(card_services):
    inbox = Inbox(card_services)
    navigator = Navigator(card_services)
    plan = moving_plan(navigator, {"moved_in": True, "children": True, "kokuho": False})
    kiosk_steps = [step.procedure.id for step in plan.plan if step.procedure is not None]
    assert kiosk_steps == ["tennyu", "jido_teate"]
    assert isinstance(navigator.start_visit(), CardView)  # once for the whole visit
    read_demo_card(navigator, card_services, inbox)
    assert navigator.session.procedure.id == "tennyu"
    assert finish_current(navigator).more_to_come
    following = navigator.after_completion()
    assert isinstance(following, QuestionView) and navigator.application is None
    assert navigator.session.procedure.id == "jido_teate"
    assert navigator.session.answer_for("name") is not None  # the card, read once
    assert not finish_current(navigator).more_to_come
    assert navigator.after_completion().screen is Screen.HOME
    assert navigator.visit is None


def second_mover(birth: str) -> dict[str, str]:
    """The second person's pages in asking order."""
    return {
        "mover_name#2": "𠮷野\u3000一花",
        "mover_kana#2": "ヨシノ\u3000イチカ",
        "mover_birth_date#2": birth,
        "mover_sex#2": "female",
        "mover_relation#2": "child",
    }


@pytest.mark.parametrize(("birth", "added"), [("2016-05-01", True), ("1995-05-01", False)])
def test_a_child_among_the_movers_adds_the_child_allowance_to_the_day(card_services, birth, added):
    """手続きナビ: 「中学生までのお子さん」 answered いいえ, so the list is 転入 alone; 転入
    then lists a child of 10 among the people who moved in: 児童手当 joins the day, and the
    completion says so. A second adult adds nothing."""
    inbox = Inbox(card_services)
    navigator = Navigator(card_services)
    plan = moving_plan(navigator, {"moved_in": True, "children": False, "kokuho": False})
    assert [step.procedure.id for step in plan.plan if step.procedure] == ["tennyu"]
    navigator.start_visit()
    read_demo_card(navigator, card_services, inbox)
    answer_until(navigator, "movers#more")
    navigator.submit_answer(True)
    for page_id, value in second_mover(birth).items():
        answer_until(navigator, page_id)
        navigator.submit_answer(value)
    assert navigator.session.members("movers") == 2
    done = finish_current(navigator)
    assert done.more_to_come is added and done.coming_added is added
    if not added:
        assert done.coming is None
        return
    assert done.coming.id == "jido_teate"
    following = navigator.after_completion()
    assert isinstance(following, QuestionView) and navigator.session.procedure.id == "jido_teate"


def test_back_from_a_visits_card_page_returns_to_the_list(card_services):
    navigator = Navigator(card_services)
    moving_plan(navigator, {"moved_in": True, "children": True, "kokuho": False})
    navigator.start_visit()
    back = navigator.go_back()
    assert isinstance(back, LifeEventView) and back.mode is NaviMode.PLAN
    assert navigator.visit is None


# -- an address outside the municipality ----------------------------------------------------

TOKYO_POSTAL_CODE = "1000001"  # 東京都千代田区千代田: outside the sample city (札幌市中央区)


def answer_until(navigator: Navigator, page_id: str) -> QuestionView:
    """Answer as `kiosk simulate` does (the municipality's own towns on in-city pages) until
    `page_id` is asked."""
    rng, today = random.Random(19), date.today()
    view = navigator.view
    while isinstance(view, QuestionView) and view.page.id != page_id:
        area = navigator.session.area
        for candidate in _candidates(view.page, BUILT_IN_RESIDENTS[0], rng, today, area):
            answered = navigator.submit_answer(candidate)
            if not (isinstance(answered, QuestionView) and answered.error):
                break
        view = answered
    assert isinstance(view, QuestionView), f"{page_id} was never asked"
    return view


def test_a_new_address_outside_the_city_on_a_tenkyo_leads_to_tenshutsu(card_services):
    inbox = Inbox(card_services)
    navigator = Navigator(card_services)
    navigator.choose_procedure("tenkyo")
    read_demo_card(navigator, card_services, inbox)
    answer_until(navigator, "kana")
    navigator.submit_answer("ヤマダ ハナコ")
    answer_until(navigator, "postal_code")
    view = navigator.submit_answer(TOKYO_POSTAL_CODE)
    assert isinstance(view, ElsewhereView) and view.source is AddressSource.TYPED
    assert view.other.id == "tenshutsu" and view.page.outside_note is not None
    assert view.address == "〒100-0001 東京都千代田区" and view.city == "北海道札幌市中央区"
    followed = navigator.go_elsewhere()
    assert isinstance(followed, QuestionView) and navigator.session.procedure.id == "tenshutsu"
    # The card, read once, and what the resident said of themselves, asked nowhere again;
    # the address now is the card's (in the city), not the one typed for 転居.
    assert navigator.session.answer_for("name") == "𠮷野\u3000髙子"
    assert navigator.session.answer_for("kana") == "ヤマダ\u3000ハナコ"
    assert navigator.session.answer_for("address").startswith("北海道札幌市中央区北一条西")


def test_back_from_an_address_outside_the_city_returns_to_it_as_typed(card_services):
    navigator = Navigator(card_services)
    navigator.choose_procedure("tenkyo")
    navigator.continue_without_card()
    answer_until(navigator, "postal_code")
    assert isinstance(navigator.submit_answer(TOKYO_POSTAL_CODE), ElsewhereView)
    back = navigator.go_back()
    assert isinstance(back, QuestionView) and back.page.id == "postal_code"
    assert back.answer == TOKYO_POSTAL_CODE and back.error is None  # to correct a slip
    assert navigator.session.answer_for("postal_code") is None  # it was never taken


def test_within_a_visit_an_address_outside_the_city_leads_on_in_the_days_list(card_services):
    """手続きナビ planned 転居 (moved within the city); the new address is in Tokyo: the way
    forward is 転出, in 転居's place in the day's list, with the card and shared answers."""
    inbox = Inbox(card_services)
    navigator = Navigator(card_services)
    moving_plan(
        navigator, {"moved_in": False, "moved_within": True, "children": False, "kokuho": False}
    )
    assert isinstance(navigator.start_visit(), CardView)
    assert [p.id for p in navigator.visit.procedures] == ["tenkyo"]
    read_demo_card(navigator, card_services, inbox)
    assert navigator.session.procedure.id == "tenkyo"
    answer_until(navigator, "kana")
    navigator.submit_answer("ヤマダ ハナコ")
    answer_until(navigator, "postal_code")
    view = navigator.submit_answer(TOKYO_POSTAL_CODE)
    assert isinstance(view, ElsewhereView) and view.other.id == "tenshutsu"
    followed = navigator.go_elsewhere()
    assert isinstance(followed, QuestionView) and navigator.session.procedure.id == "tenshutsu"
    assert [p.id for p in navigator.visit.procedures] == ["tenshutsu"]
    assert navigator.session.answer_for("kana") == "ヤマダ\u3000ハナコ"  # asked once
    assert navigator.session.answer_for("name") == "𠮷野\u3000髙子"  # the card, read once
    assert not finish_current(navigator).more_to_come
    assert navigator.after_completion().screen is Screen.HOME


def test_a_card_address_outside_the_city_in_a_visit_leads_on_or_back_to_the_list(card_services):
    """The card read for the day's 転居 says Tokyo: 転入 in its place, or もどる to the list
    (the card's address is not a slip to correct on a page)."""
    from devices.emulators.card_emulator import CardIdentity, EmulatedCard

    reading = card_services.card_reading
    tokyo = CardIdentity(
        name="山田 花子", address="東京都千代田区千代田1-1", birth_date=date(1948, 3, 15), sex="2"
    )
    reading.simulated.card = EmulatedCard(identity=tokyo, pin=reading.demo_pin)
    inbox = Inbox(card_services)
    for leave in (True, False):
        navigator = Navigator(card_services)
        plan = {"moved_in": False, "moved_within": True, "children": False, "kokuho": False}
        moving_plan(navigator, plan)
        navigator.start_visit()
        read_demo_card(navigator, card_services, inbox)
        view = navigator.view
        assert isinstance(view, ElsewhereView) and view.source is AddressSource.CARD
        assert view.other.id == "tennyu"
        if leave:
            back = navigator.go_back()
            assert isinstance(back, LifeEventView) and back.mode is NaviMode.PLAN
            assert navigator.visit is None and navigator.session is None
        else:
            navigator.go_elsewhere()
            assert [p.id for p in navigator.visit.procedures] == ["tennyu"]
            assert navigator.session.answer_for("name") == "山田\u3000花子"


def test_a_collection_place_outside_the_city_is_refused_with_nothing_else_to_file(services):
    navigator = Navigator(services)
    navigator.choose_procedure("sodai_gomi")
    answer_until(navigator, "postal_code")
    view = navigator.submit_answer(TOKYO_POSTAL_CODE)
    assert isinstance(view, ElsewhereView) and view.other is None  # no procedure fits
    assert "この市の中でだけ収集" in view.page.outside_note.text("ja")
    inside = services.municipal_area().town_names()[0]
    assert isinstance(navigator.go_back(), QuestionView)
    assert not isinstance(navigator.submit_answer(inside.postal_code), ElsewhereView)
    assert navigator.session.answer_for("postal_code")["code"] == inside.postal_code


# -- phone pre-entry ------------------------------------------------------------------------


def test_only_a_simulated_scanner_offers_the_sample_code(services):
    navigator = Navigator(services)
    assert services.scanner is None and navigator.open_scan().sample is None
    services.scanner = object()  # a real scanner: never a code from the kiosk itself
    assert navigator.open_scan().sample is None
    services.scanner = SimulatedScanner(services.on_scan, services.on_scan_problem)
    sample = navigator.open_scan().sample
    assert sample is not None and sample.id == "juminhyo"


def test_the_sample_code_walks_pre_entry_to_the_review(services):
    inbox = Inbox(services)
    services.scanner = SimulatedScanner(services.on_scan, services.on_scan_problem)
    navigator = Navigator(services)
    navigator.open_scan()
    navigator.scan_sample()
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    assert isinstance(navigator.view, ReviewView)  # every answer came from the code
    assert navigator.session.answers() == {"applicant": "self", "copies": 2, "purpose": "work"}


def test_scan_arrival_only_while_waiting(services):
    inbox = Inbox(services)
    navigator = Navigator(services)
    payload = preentry.encode("juminhyo", JUMINHYO)
    services.on_scan(Scan(payload, "utf-8"))  # home: nobody waits for a scan
    scan_kinds = (EventKind.SCAN_WAS_IGNORED, EventKind.SCAN_DID_ARRIVE)
    assert inbox.next_of(*scan_kinds).kind is EventKind.SCAN_WAS_IGNORED
    assert navigator.open_scan() == ScanView()
    services.on_scan(Scan("garbage", "utf-8"))
    inbox.deliver_until(navigator, lambda: navigator.view.problem is not None)
    assert navigator.view == ScanView("scan_not_preentry")
    services.on_scan(Scan(payload, "utf-8"))
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    assert navigator.view.screen in (Screen.QUESTION, Screen.REVIEW)
    assert navigator.session.answer_for("purpose") == "work"  # entered on the phone


def test_a_refusal_after_leaving_the_scan_screen_is_ignored(services):
    navigator = Navigator(services)
    navigator.open_scan()
    navigator.go_back()
    assert navigator.on_event(ScanRefused("scan_unreadable")) is EventReaction.IGNORED
    assert navigator.view.screen is Screen.HOME


# -- forgetting -------------------------------------------------------------------------------


def test_end_session_forgets_the_residents_choices(services):
    navigator = Navigator(services, Theme.STANDARD, TextSize.STANDARD)
    navigator.set_language("en")
    navigator.next_text_size()
    navigator.toggle_contrast()
    answer_juminhyo(navigator)
    session = navigator.session
    assert navigator.start_over().screen is Screen.HOME
    assert navigator.language == services.settings.language
    assert (navigator.theme, navigator.text_size) == (Theme.STANDARD, TextSize.STANDARD)
    assert navigator.session is None and session.answers() == {}


def test_language_change_keeps_what_is_on_screen(services):
    navigator = Navigator(services)
    navigator.choose_procedure("juminhyo")
    navigator.submit_answer("proxy")
    view = navigator.set_language("en", pending=3)
    assert isinstance(view, QuestionView) and view.answer == 3 and navigator.language == "en"


def test_idle_timeout_forgets_everything(services):
    clock = Clock()
    navigator = Navigator(services, now=clock)
    answer_juminhyo(navigator)
    session = navigator.session
    clock.now += services.settings.idle_quiet_s
    warning = navigator.check_idle()
    assert warning.warning_seconds == int(services.settings.idle_warning_s)
    navigator.extend_time()
    assert navigator.check_idle().warning_seconds is None
    clock.now += services.settings.idle_quiet_s + services.settings.idle_warning_s
    assert navigator.check_idle().expired
    assert navigator.view.screen is Screen.HOME
    assert navigator.session is None and session.answers() == {}


def test_the_home_screen_never_times_out(services):
    clock = Clock()
    navigator = Navigator(services, now=clock)
    clock.now += 10_000
    assert navigator.check_idle() == navigator.check_idle()
    assert not navigator.check_idle().expired


def test_memory_is_given_back_once_per_resident_on_the_first_idle_tick_at_home(
    services, monkeypatch
):
    """Not during the tap that ends a session (the screens are still being let go of), and
    not again on every tick while the home screen waits for the next resident."""
    released = []
    monkeypatch.setattr(services, "resident_left", lambda: released.append(True))
    navigator = Navigator(services)
    navigator.check_idle()
    assert released == []  # nobody has left yet
    answer_juminhyo(navigator)
    navigator.start_over()
    assert released == []
    navigator.check_idle()
    navigator.check_idle()
    assert released == [True]


def test_giving_memory_back_works_on_this_system():
    from kiosk.memory import release_free_memory

    assert release_free_memory() is True  # glibc: Debian, the kiosk's system


def test_every_event_kind_has_one_typed_payload():
    assert set(PAYLOADS) == set(EventKind)
    assert all(payload.kind is kind for kind, payload in PAYLOADS.items())
