"""The resident flow engine, without Qt."""

import subprocess
import sys

from kiosk.catalog import Catalog
from kiosk.fields import Invalid, Valid
from kiosk.flow import ResidentSession, Step


def juminhyo_session() -> ResidentSession:
    return ResidentSession(Catalog.load("sample-city").procedure("juminhyo"))


def test_walk_to_review_and_collect_answers():
    session = juminhyo_session()
    assert session.progress.position == 1 and session.progress.total == 2
    assert isinstance(session.submit(2), Valid)
    assert session.page.id == "purpose"
    assert isinstance(session.submit("work"), Valid)
    assert session.step is Step.REVIEW
    assert session.answers() == {"copies": 2, "purpose": "work"}
    assert session.is_complete()


def test_invalid_answer_stays_on_the_page_with_a_message():
    session = juminhyo_session()
    result = session.submit(11)
    assert isinstance(result, Invalid) and result.message_key == "error_copies_range"
    assert session.page.id == "copies"
    assert session.answers() == {}


def test_back_keeps_the_answers_given():
    session = juminhyo_session()
    session.submit(3)
    session.back()
    assert session.page.id == "copies"
    assert session.answer_for("copies") == 3


def test_change_from_review_returns_to_review():
    session = juminhyo_session()
    session.submit(1)
    session.submit("finance")
    session.change("copies")
    assert session.step is Step.QUESTION and session.page.id == "copies"
    session.submit(4)
    assert session.step is Step.REVIEW
    assert session.answers() == {"copies": 4, "purpose": "finance"}


def test_wipe_forgets_everything():
    session = juminhyo_session()
    session.submit(5)
    session.wipe()
    assert session.answers() == {}
    assert session.page.id == "copies" and not session.can_go_back()


def test_flow_engine_runs_without_qt():
    code = (
        "import sys; from kiosk.flow import ResidentSession; from kiosk.catalog import Catalog;"
        "s = ResidentSession(Catalog.load('sample-city').procedure('juminhyo'));"
        "s.submit(1); s.submit('other');"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
