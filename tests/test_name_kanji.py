"""Kanji names without a card (issue 18): the reading index built from the real SudachiDict,
the variant forms Sudachi lacks (𠮷野, 髙子), the answer's shape, and a resident without a card
choosing 𠮷野 髙子 by touch through to the staff's view on the real backend."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading

import pytest
from PySide6.QtWidgets import QLabel

from backend.console.answers import lines
from core.catalog import FieldType
from core.catalog_files import load_catalog
from core.fields import display_value
from core.i18n import UiText
from core.kana import KANA_SPACE
from core.name_choice import Choice, NameChoosing, NameKind, Stage, name_answer
from core.validators import Invalid, Valid, validate
from kiosk.cli.local_backend import build_services
from kiosk.name_index import NameIndex, NameLookup, build, index_path
from screens.kana_keyboard import KeyboardMode
from screens.tour import answer_by_touch
from tests.gui import WAIT_MS, show_window, tap
from tests.sync_support import kiosk_settings

PROCEDURE = "sodai_gomi"  # a short procedure whose name page comes after the card page
WAIT_S = 60
SHOW = [sys.executable, "-m", "kiosk", "backend", "show"]


@pytest.fixture(scope="module")
def built_index(tmp_path_factory):
    """The index from the installed SudachiDict, once for the module (seconds)."""
    path = index_path(tmp_path_factory.mktemp("names"))
    rows = build(path)
    return path, rows


@pytest.fixture
def index(built_index):
    opened = NameIndex(built_index[0])
    yield opened
    opened.close()


# -- the index ---------------------------------------------------------------------------------


def test_the_index_holds_sudachis_family_and_given_names_by_reading(built_index, index):
    assert built_index[1] > 200_000  # SudachiDict core has about 230,000 姓 and 名
    assert index.spellings(NameKind.FAMILY, "スズキ")[0] == "鈴木"
    assert index.spellings(NameKind.FAMILY, "タカハシ")[0] == "高橋"
    assert index.spellings(NameKind.FAMILY, "ヨシノ")[0] == "吉野"
    assert index.spellings(NameKind.FAMILY, "ヤマダ")[0] == "山田"
    assert "佐藤" in index.spellings(NameKind.FAMILY, "サトウ")[:3]
    assert index.spellings(NameKind.GIVEN, "タカコ")[0] == "高子"
    assert index.spellings(NameKind.GIVEN, "ハナコ")[0] == "花子"
    # Family and given names apart: 花子 is no 姓, 鈴木 no 名.
    assert "花子" not in index.spellings(NameKind.FAMILY, "ハナコ", limit=50)
    assert "鈴木" not in (index.spellings(NameKind.GIVEN, "スズキ", limit=50) or [])
    # Spellings in kana come after every kanji one.
    yamada = index.spellings(NameKind.FAMILY, "ヤマダ")
    assert yamada.index("山多") < yamada.index("やまだ")
    assert index.spellings(NameKind.FAMILY, "ンンン") == []


def test_sudachi_lacks_the_old_forms_and_the_variant_table_offers_them(index):
    assert "𠮷野" not in index.spellings(NameKind.FAMILY, "ヨシノ", limit=500)
    assert "髙子" not in index.spellings(NameKind.GIVEN, "タカコ", limit=500)
    choosing = NameChoosing("よしの　たかこ", index.spellings)
    choosing.take(Choice("spelling", "吉野"))
    assert choosing.stage is Stage.FORMS
    assert [c.text for c in choosing.choices() if c.action == "form"] == ["吉野", "𠮷野"]
    choosing.take(Choice("form", "𠮷野"))
    choosing.take(Choice("spelling", "高子"))
    assert [c.text for c in choosing.choices() if c.action == "form"] == ["高子", "髙子"]
    choosing.take(Choice("form", "髙子"))
    assert choosing.done
    assert choosing.answer() == name_answer("ヨシノ　タカコ", "𠮷野　髙子", True)


def test_a_character_not_offered_is_picked_by_a_known_word_and_kana_stays_for_the_rest(index):
    choosing = NameChoosing("よしの　たかこ", index.spellings)
    choosing.take(Choice("not_listed"))
    assert "𠮷野" in [c.text for c in choosing.choices()]  # the forms of what was offered
    choosing.take(Choice("by_word"))
    first = next(c for c in choosing.choices() if c.text == "吉")
    assert first.note == "吉野の吉"
    choosing.take(first)
    keep = next(c for c in choosing.choices() if c.action == "kana_syllable")
    choosing.take(keep)  # の kept in kana: 吉ノ
    forms = [c.text for c in choosing.choices() if c.action == "form"]
    assert forms == ["吉ノ", "𠮷ノ"]
    choosing.take(Choice("form", "吉ノ"))
    choosing.take(Choice("keep_kana"))
    assert choosing.answer() == name_answer("ヨシノ　タカコ", "吉ノ　タカコ", False)


def test_a_reading_typed_without_a_space_is_split_into_family_and_given(index):
    choosing = NameChoosing("さとうはなこ", index.spellings)
    assert choosing.heading() == (
        "name_pick_family",
        {"reading": "サトウ", "built": "", "rest": ""},
    )
    choosing.take(Choice("keep_kana"))
    assert choosing.heading()[0] == "name_pick_given"


def test_an_index_not_built_answers_at_once_and_builds_in_the_background(tmp_path):
    release = threading.Event()

    def slow_names():
        assert release.wait(WAIT_S)  # the build waits here; the lookup must not
        yield ("family", "ヨシノ", "吉野", 0, 6286)

    lookup = NameLookup(tmp_path, names=slow_names)
    assert lookup(NameKind.FAMILY, "ヨシノ") is None  # not built: the resident goes on in kana
    assert NameChoosing("よしの", lookup).available is False
    release.set()
    deadline = threading.Event()
    for _ in range(WAIT_S * 10):
        if lookup.index.ready:
            break
        deadline.wait(0.1)  # polling the condition, with a deadline
    assert lookup(NameKind.FAMILY, "ヨシノ") == ["吉野"]


def test_an_index_left_by_an_older_kiosk_is_built_anew(tmp_path):
    def names():
        yield ("family", "ヨシノ", "吉野", 0, 6286)

    build(index_path(tmp_path), names)
    with sqlite3.connect(index_path(tmp_path)) as connection:
        connection.execute("UPDATE about SET value = '0' WHERE key = 'schema'")
    lookup = NameLookup(tmp_path, names=names)
    assert lookup(NameKind.FAMILY, "ヨシノ") is None  # not read: its rows may mean otherwise
    for _ in range(WAIT_S * 10):
        if lookup(NameKind.FAMILY, "ヨシノ") is not None:
            break
        threading.Event().wait(0.1)  # polling the condition, with a deadline
    assert lookup(NameKind.FAMILY, "ヨシノ") == ["吉野"]


def test_kiosk_names_build_writes_the_index_in_the_data_folder(tmp_path):
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    built = subprocess.run(
        [sys.executable, "-m", "kiosk", "names", "build"],
        env=environ | {"KIOSK_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert "name index built" in built.stdout
    index = NameIndex(index_path(tmp_path / "data"))
    try:
        assert index.spellings(NameKind.FAMILY, "ヨシノ")[0] == "吉野"
    finally:
        index.close()


# -- the answer --------------------------------------------------------------------------------


def _name_page():
    catalog = load_catalog("sample-city")
    procedure = catalog.procedure(PROCEDURE)
    return procedure, next(page for page in procedure.pages if page.id == "name")


def test_the_chosen_name_validates_to_itself_and_reads_with_its_reading():
    _, page = _name_page()
    chosen = name_answer("ヨシノ　タカコ", "𠮷野　髙子", True)
    result = validate(page, chosen)
    assert isinstance(result, Valid) and result.value == chosen
    assert validate(page, result.value) == result
    typed = validate(page, {"kana": "よしの たかこ", "kanji": None, "confirmed": False})
    assert typed.value == name_answer("ヨシノ　タカコ", None, False)
    assert isinstance(validate(page, "山田　花子"), Valid)  # the card's kanji: a string still
    for broken in (
        {"kana": "ヨシノ", "kanji": None, "confirmed": True},  # confirmed, but no kanji
        {"kana": "吉野", "kanji": "吉野", "confirmed": True},  # a reading in kanji
        {"kana": "ヨシノ", "kanji": "吉野", "confirmed": "yes"},
    ):
        assert isinstance(validate(page, broken), Invalid), broken
    ui = UiText.load()
    assert display_value(page, chosen, "ja", ui) == "𠮷野　髙子（ヨシノ　タカコ）"
    kept = display_value(page, typed.value, "ja", ui)
    assert kept == "ヨシノ　タカコ [漢字未確認]"
    assert page.type is FieldType.KANJI_NAME


# -- by touch, to the staff --------------------------------------------------------------------


@pytest.fixture
def kiosk(live_backend, kiosk_paths, built_index, japanese_qapp, qtbot):
    shutil.copy(built_index[0], index_path(kiosk_paths.data_dir))
    settings = kiosk_settings(live_backend, data_dir=kiosk_paths.data_dir, card_reader="sim")
    services = build_services(settings, kiosk_paths)
    window = show_window(services, qtbot)
    # The one line screens/window.py is to carry: the question page's name index.
    window.question.name_lookup = NameLookup(kiosk_paths.data_dir)
    yield window
    window.close()
    services.close()


def _open_without_card(qtbot, window) -> None:
    procedure = window.services.catalog.procedure(PROCEDURE)
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    tap(qtbot, window.menu.procedure_buttons[PROCEDURE])
    assert window.stack.currentWidget() is window.card
    tap(qtbot, window.card.manual_button)  # no My Number Card
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.question, timeout=WAIT_MS)


def _answer_until_name(qtbot, window) -> None:
    for _ in range(20):
        page = window.session.page
        if page.id == "name":
            return
        answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
    raise AssertionError("the name page was never asked")


def _type(qtbot, keyboard, text: str) -> None:
    if keyboard.mode() is not KeyboardMode.HIRAGANA:
        tap(qtbot, keyboard.mode_keys[KeyboardMode.HIRAGANA])
    for character in text:
        key = keyboard.space_key if character == KANA_SPACE else keyboard.key(character)
        tap(qtbot, key)


def _finish_and_send(qtbot, window, live_backend) -> dict:
    for _ in range(20):
        if window.stack.currentWidget() is not window.question:
            break
        answer_by_touch(window.session.page, window.question.input, lambda b: tap(qtbot, b))
        tap(qtbot, window.question.primary_button)
    assert window.stack.currentWidget() is window.review
    review_texts = [label.text() for label in window.review.findChildren(QLabel)]
    tap(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion
    assert window.services.sync.drain_once().sent == 1
    [application_id] = live_backend.received_ids()
    shown = subprocess.run(
        [*SHOW, application_id, "--json", "--data", str(live_backend.paths.root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {"review": review_texts, "answers": json.loads(shown.stdout)["answers"]}


def test_a_resident_without_a_card_chooses_yoshino_takako_in_old_forms_by_touch(
    kiosk, qtbot, live_backend, caplog
):
    caplog.set_level(logging.DEBUG)
    window = kiosk
    _open_without_card(qtbot, window)
    _answer_until_name(qtbot, window)
    _type(qtbot, window.question.input, "よしの　たかこ")
    tap(qtbot, window.question.primary_button)  # 次へ: the kanji, not yet the next page
    names = window.question.names
    assert names is not None and names.isVisible() and window.session.page.id == "name"
    assert names.offered()[0] == "吉野"
    for button in (names.button(text="吉野"), names.button(action="not_listed")):
        assert button.height() >= window.question.metrics.primary_target_px  # UX.md 20 mm
    tap(qtbot, names.button(text="吉野"))
    tap(qtbot, names.button(text="𠮷野"))  # the old form, offered for 吉野
    assert names.offered()[0] == "高子"
    tap(qtbot, names.button(text="高子"))
    tap(qtbot, names.button(text="髙子"))
    assert names.chosen.isVisible() and "𠮷野　髙子（ヨシノ　タカコ）" in names.chosen.text()
    tap(qtbot, window.question.primary_button)
    assert window.session.page.id != "name"
    sent = _finish_and_send(qtbot, window, live_backend)
    assert any("𠮷野　髙子（ヨシノ　タカコ）" in text for text in sent["review"])
    chosen = name_answer("ヨシノ　タカコ", "𠮷野　髙子", True)
    assert sent["answers"]["name"] == chosen  # sealed, sent, opened by the staff's command
    procedure, _ = _name_page()
    [line] = [line for line in lines(procedure, sent["answers"]) if line.field_id == "name"]
    assert line.text == "𠮷野　髙子（ヨシノ　タカコ）"  # the console's answer line
    logged = caplog.text
    assert not any(secret in logged for secret in ("ヨシノ", "よしの", "吉野", "𠮷野", "髙子"))


def test_a_resident_who_keeps_the_kana_is_marked_for_staff(kiosk, qtbot, live_backend):
    window = kiosk
    _open_without_card(qtbot, window)
    _answer_until_name(qtbot, window)
    _type(qtbot, window.question.input, "よしの　たかこ")
    tap(qtbot, window.question.primary_button)
    names = window.question.names
    tap(qtbot, names.button(action="not_listed"))
    tap(qtbot, names.button(action="keep_kana"))
    tap(qtbot, names.button(action="keep_kana"))
    tap(qtbot, window.question.primary_button)
    sent = _finish_and_send(qtbot, window, live_backend)
    assert sent["answers"]["name"] == name_answer("ヨシノ　タカコ", None, False)
    procedure, _ = _name_page()
    [line] = [line for line in lines(procedure, sent["answers"]) if line.field_id == "name"]
    assert line.text == "ヨシノ　タカコ [漢字未確認]"


def test_a_name_index_not_built_yet_never_holds_the_resident(
    live_backend, kiosk_paths, japanese_qapp, qtbot
):
    release = threading.Event()

    def slow_names():
        assert release.wait(WAIT_S)
        yield from ()

    settings = kiosk_settings(live_backend, data_dir=kiosk_paths.data_dir, card_reader="sim")
    services = build_services(settings, kiosk_paths)
    window = show_window(services, qtbot)
    lookup = NameLookup(kiosk_paths.data_dir, names=slow_names)
    window.question.name_lookup = lookup
    try:
        _open_without_card(qtbot, window)
        _answer_until_name(qtbot, window)
        _type(qtbot, window.question.input, "よしの")
        tap(qtbot, window.question.primary_button)  # one tap: on to the next question
        assert window.question.names is None and window.session.page.id != "name"
        assert window.session.answer_for("name") == name_answer("ヨシノ", None, False)
    finally:
        release.set()
        window.close()
        services.close()
