"""Issue #18's done-when: a household of four moving in is one 転入 application listing all four
as the paper form does. By touch on the kiosk window: the first person from the demo My Number
Card, three typed; the review lists the four with add / remove; the sealed application, opened
by the staff's `kiosk backend show`, lists all four."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from backend import applications, db
from backend.export import cell
from backend.paths import BackendPaths
from core.wire import SubmittedApplication
from kiosk.cli.local_backend import build_services
from screens.tour import answer_by_touch
from tests.gui import show_window, tap, use_demo_card

HOUSEHOLD = 4


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    window = show_window(services, qtbot)
    yield window, services
    window.close()
    services.close()


def walk_to_review(qtbot, window) -> list[str]:
    """Answer 転入 by touch, adding people until there are four; the member labels seen."""
    labels = []
    for _ in range(120):
        if window.stack.currentWidget() is not window.question:
            break
        session = window.session
        page = session.page
        if page.id == "movers#more":  # 「ほかにも一緒に引っ越してきた方はいますか」
            tap(qtbot, window.question.input.button(session.members("movers") < HOUSEHOLD))
            tap(qtbot, window.question.primary_button)
            continue
        member = session.member(page.id)
        if member is not None and member.page_id == "mover_name":
            labels.append(member.label.text("ja"))
            # Whose name is asked, on the page itself.
            assert window.question.heading.text().startswith(labels[-1])
        answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
        if window.question.isVisible() and window.question.error.isVisible():
            raise AssertionError(f"{page.id}: {window.question.error.text()}")
    return labels


def test_a_household_of_four_moves_in_as_one_application(kiosk, qtbot, key_pair, tmp_path):
    window, services = kiosk
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons["moving"])
    tap(qtbot, window.menu.procedure_buttons["tennyu"])
    use_demo_card(qtbot, window)
    card_name = window.session.answer_for("mover_name#1")
    assert card_name and window.session.was_given("mover_name#1")  # the card: person 1 only
    assert window.session.answer_for("mover_birth_date#1")

    typed = walk_to_review(qtbot, window)
    assert typed == ["2人目の方", "3人目の方", "4人目の方"]  # person 1 came from the card
    assert window.stack.currentWidget() is window.review
    review = window.review
    for number in range(1, HOUSEHOLD + 1):
        heading = review.findChild(QLabel, f"member_movers_{number}")
        assert heading is not None and heading.text() == f"{number}人目の方"
        assert review.findChild(QPushButton, f"remove_movers_{number}") is not None
    shown = review.findChild(QLabel, "answer_mover_name#1").text()
    assert shown == card_name.replace("\u3000", " ") or card_name in shown

    # Remove the fourth from the review, then add a fourth again: the review follows.
    tap(qtbot, review.findChild(QPushButton, "remove_movers_4"))
    assert window.session.members("movers") == HOUSEHOLD - 1
    assert review.findChild(QLabel, "member_movers_4") is None
    tap(qtbot, review.findChild(QPushButton, "add_movers"))
    assert window.stack.currentWidget() is window.question
    assert window.session.page.id == "mover_name#4"
    walk_to_review(qtbot, window)
    assert window.stack.currentWidget() is window.review
    members = window.session.answers()["movers"]
    assert len(members) == HOUSEHOLD and members[0]["mover_name"] == card_name
    asked = {"mover_name", "mover_kana", "mover_birth_date", "mover_sex", "mover_relation"}
    assert all(set(member) == asked for member in members)

    tap(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion
    rows = services.store.queued_for_sync(10)
    assert len(rows) == 1  # one application for the household
    row = rows[0]
    sealed = SubmittedApplication(
        id=row["id"],
        kiosk_id="kiosk-01",
        reception_number=row["reception_number"],
        procedure_id=row["procedure_id"],
        procedure_version=row["procedure_version"],
        created_at=datetime.fromisoformat(row["created_at"]),
        sealed=row["sealed"].decode("ascii"),
    )

    # The counter side: a backend holding the municipality's key the kiosk sealed for.
    host = BackendPaths(tmp_path / "counter")
    host.keys.mkdir(parents=True)
    shutil.copy(key_pair[0], host.keys / "private.pem")
    shutil.copy(key_pair[1], host.keys / "public.pem")
    database = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    engine = db.connect(database)
    try:
        applications.store(engine, [sealed])
    finally:
        engine.dispose()
    place = ["--data", str(host.root), "--database", database]
    show = [sys.executable, "-m", "kiosk", "backend", "show", row["id"], *place]
    as_json = subprocess.run([*show, "--json"], capture_output=True, timeout=120)
    assert as_json.returncode == 0, as_json.stderr.decode()
    opened = json.loads(as_json.stdout)["answers"]["movers"]
    assert [m["mover_name"] for m in opened] == [m["mover_name"] for m in members]
    readable = subprocess.run(show, capture_output=True, timeout=120)
    assert readable.returncode == 0, readable.stderr.decode()
    text = readable.stdout.decode()
    for number, member in enumerate(members, start=1):
        name = cell(member["mover_name"])  # a typed name: its kana, marked for staff to confirm
        assert f"{number}人目の方 引っ越してきた方のお名前は: {name}" in text
    assert f"異動した方（{HOUSEHOLD}）:" in text
