"""What the voice says, read by the engine itself: pyopenjtalk-plus's front end with the kiosk's
user dictionary (assets/voice/user_dictionary.csv), for every text the voice speaks — every
procedure's questions, the life events' questions, the greeting, the idle warning and the
applicant question — in 日本語 and やさしい日本語, for a 市 and a 町 profile.

Two checks: the words Open JTalk gets wrong in these texts (お持ちの方 → …カタ, 番号札 →
バンゴーフダ …) read right; and every text's reading equals the committed table
tests/data/voice_readings.tsv, so a new or changed text, a dictionary edit or another engine
version that reads differently fails here with the text, the old and the new reading.

After reading (or listening to) the new readings — a wrong one is fixed with an entry in
assets/voice/user_dictionary.csv (see assets/voice/README.md), never in the table — rewrite
the table and review its diff:

    UPDATE_VOICE_READINGS=1 .venv/bin/pytest tests/test_voice_readings.py -k table
    git diff tests/data/voice_readings.tsv

Nothing is downloaded: the engine's dictionary is the one inside its wheel (checked below) and
the network is closed while the engine reads.
"""

from __future__ import annotations

import ast
import csv
import os
import socket
from pathlib import Path

import pytest
from pydantic import BaseModel

from core.catalog_files import load_catalog
from core.i18n import LocalizedText
from core.municipal_words import municipal_ui_text
from core.ui_text import UiText
from kiosk import voice_dictionary
from kiosk.voice import SPOKEN_LANGUAGES

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "tests" / "data" / "voice_readings.tsv"
UPDATE = "UPDATE_VOICE_READINGS"
# Every municipality profile the readings are taken for: the shipped 市 and the tests' 町.
PROFILES = (("sample-city", None), ("other-town", REPO / "tests" / "data"))
# The common UI texts the navigator speaks (kiosk/navigator.py; checked below), and the
# applicant question the flow engine adds as a page of its own (core/flow.py).
SPOKEN_UI = ("home_greeting", "idle_question")
FLOW_PAGES = ("applicant_question",)

# The words the engine misreads without the user dictionary, or reads two ways, in a sentence
# as the kiosk says them, with the part of the reading that must be there.
HARD_WORDS = [
    ("マイナンバーカードをお持ちの方は", "オモチノカタワ"),
    ("番号札をお取りください", "バンゴーフダヲ"),
    ("窓口に来た方のお名前は", "マドグチニキタカタノ"),
    ("請求する方（保護者）のお名前は", "セーキュースルカタ"),
    ("介護が必要な方の個人番号は", "ヒツヨーナカタノ"),
    ("引っ越した方の中に、65歳以上の方はいますか", "ヒッコシタカタノナカニ"),
    ("亡くなった方は国民健康保険に入っていましたか", "ナクナッタカタワ"),
    ("証明が必要な戸籍の方と、あなたの関係は", "コセキノカタト"),
    ("いちばん下のお子さんのお名前は", "イチバンシタノ"),
    ("一番下のお子さん", "イチバンシタノ"),
    ("こくみん けんこう ほけんに はいって いますか", "ホケンニハイッテ"),
    ("世帯主との続柄", "セタイヌシトノツズキガラ"),
    ("住民票の写し", "ジューミンヒョーノウツシ"),
    ("印鑑登録証", "インカントーロクショー"),
    ("転入届・転出届・転居届", "テンニュートドケ、テンシュツトドケ、テンキョトドケ"),
    ("児童手当", "ジドーテアテ"),
    ("粗大ごみの収集", "ソダイゴミノシューシュー"),
    ("マイナンバーカード", "マイナンバーカード"),
    ("本籍と筆頭者", "ホンセキトヒットーシャ"),
    (
        "和暦で、令和・平成・昭和・大正・明治",
        "ワレキデ、レーワ、ヘーセー、ショーワ、タイショー、メージ",
    ),
    ("令和8年11月20日", "レーワハチネンジューイチガツハツカ"),
    # Counters (助数詞) as the questions and groups use them, with their sound changes.
    ("何通必要ですか", "ナンツーヒツヨー"),
    ("戸籍謄本1通と除籍謄本2通", "イッツートジョセキトーホンニツー"),
    ("1人目の方のお名前は", "ヒトリメノカタノ"),
    ("4人目のお子さん", "ヨニンメノオコサン"),
    ("全部で何点ですか", "ナンテン"),
    ("3点目", "サンテンメ"),
    ("8歳のお子さん", "ハッサイ"),
    ("10けたの番号", "ジュッケタ"),
    ("令和8年12月1日", "レーワハチネンジューニガツツイタチ"),
    # The entries must not spill over into the words around them.
    ("申請の方法", "シンセーノホーホー"),
    ("書き方と読み方", "カキカタトヨミカタ"),
    ("千円札", "センエンサツ"),
    ("それは いって ください", "ソレワイッテ"),
    ("はい、そうです", "ハイ、ソーデス"),  # ・ and 、 are both read as a pause,
]


@pytest.fixture(scope="module")
def offline():
    """No connection may be opened while the engine loads and reads."""

    def refuse(*args, **kwargs):
        raise AssertionError("the voice engine tried to use the network")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        yield


@pytest.fixture(scope="module")
def engine(offline, tmp_path_factory):
    """The front end the voice speaks with: the shipped dictionary, compiled as the kiosk does."""
    return voice_dictionary.front_end(tmp_path_factory.mktemp("voice"))


def questions(node: object) -> list[LocalizedText]:
    """Every `question` in a catalog model, however deeply nested (pages in groups too)."""
    if isinstance(node, BaseModel):
        found: list[LocalizedText] = []
        for name, value in node:
            if name == "question" and isinstance(value, LocalizedText):
                found.append(value)
            else:
                found += questions(value)
        return found
    if isinstance(node, (list, tuple)):
        return [text for item in node for text in questions(item)]
    if isinstance(node, dict):
        return [text for item in node.values() for text in questions(item)]
    return []


def spoken_texts() -> dict[str, str]:
    """Every text the voice may speak, with where it comes from (the first place)."""
    found: dict[str, str] = {}
    for profile, folder in PROFILES:
        # Read as the kiosk reads them: the catalog loader fills in {市} and {役所}.
        catalog = load_catalog(profile, override_dir=folder)
        ui = municipal_ui_text(UiText.load(), catalog.municipality)
        sources: list[tuple[str, LocalizedText]] = []
        for procedure in catalog.all_procedures():
            sources += [(f"procedures/{procedure.id}", text) for text in questions(procedure)]
            for group in procedure.groups:  # 「ほかにも…いますか」 and 「2人目の方：…」
                where = f"procedures/{procedure.id} groups.{group.id}"
                sources += [(where, group.add_question)]
                sources += [(where, group.label_for(number)) for number in (1, 2, 3)]
        for event in catalog.life_events.values():
            sources += [(f"life_events/{event.id}", text) for text in questions(event)]
        sources += [(f"i18n {key}", ui.entry(key)) for key in SPOKEN_UI + FLOW_PAGES]
        for where, text in sources:
            for language in sorted(SPOKEN_LANGUAGES):
                found.setdefault(text.text(language), f"{where} ({language}, {profile})")
    return found


def read_table() -> dict[str, str]:
    if not TABLE.is_file():
        return {}
    with TABLE.open(encoding="utf-8", newline="") as file:
        lines = (line for line in file if not line.startswith("#"))
        rows = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)  # texts may hold "
        return {text: reading for text, reading in rows}


def write_table(readings: dict[str, str]) -> None:
    with TABLE.open("w", encoding="utf-8", newline="") as file:
        file.write(
            "# What the voice says for every text it speaks (katakana, as pronounced), read by\n"
            f"# pyopenjtalk-plus {voice_dictionary.engine_version()} with"
            " assets/voice/user_dictionary.csv.\n"
            "# Written by: UPDATE_VOICE_READINGS=1 .venv/bin/pytest"
            " tests/test_voice_readings.py -k table\n"
        )
        for text in sorted(readings):
            file.write(f"{text}\t{readings[text]}\n")


def test_the_engine_reads_with_the_dictionary_inside_its_own_package():
    pyopenjtalk = voice_dictionary.engine_module()
    package = Path(pyopenjtalk.__file__).resolve().parent
    system = Path(pyopenjtalk.OPEN_JTALK_DICT_DIR.decode()).resolve()
    assert system.is_relative_to(package), f"{system} is not pyopenjtalk's own dictionary"
    assert (system / "sys.dic").is_file() and (system / "matrix.bin").is_file()


@pytest.mark.parametrize(("text", "expected"), HARD_WORDS)
def test_hard_words_read_right(engine, text, expected):
    assert expected in voice_dictionary.kana(text, engine)


def test_without_the_dictionary_the_engine_misreads_them(offline):
    """Why the dictionary exists: the plain engine reads the person as ほう and the ticket as
    さつ. (If a newer engine reads them right, the entries may go; this says so.)"""
    assert "オモチノホー" in voice_dictionary.kana("マイナンバーカードをお持ちの方は")
    assert "バンゴーサツ" in voice_dictionary.kana("番号札をお取りください")


def test_every_entry_of_the_dictionary_is_compiled_and_used(engine):
    """A malformed line is skipped by the compiler without failing it: each must be there."""
    with voice_dictionary.SOURCE.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.reader(file) if row]
    assert rows
    for row in rows:
        surface = row[0]
        assert len(row) == 15, f"{surface}: {len(row)} fields, Open JTalk's format has 15"
        morphs = engine.run_mecab_detailed(surface)[1]
        mine = [m for m in morphs if m["surface"] == surface and m["dictionary_index"] > 0]
        assert mine, f"{surface}: not read from the user dictionary ({morphs})"
        # Part of speech, base form, reading, pronunciation, accent: as written in the CSV.
        assert mine[0]["features"][1:] == row[4:], f"{surface}: compiled differently"


def test_every_spoken_person_is_kata(engine):
    """方 in the kiosk's texts is a person (かた); ほう (direction, comparison) is written in
    hiragana, as 公用文 writes 形式名詞. A text that breaks the rule reads wrong here."""
    pyopenjtalk = voice_dictionary.engine_module()
    wrong = {}
    for text, where in spoken_texts().items():
        for feature in pyopenjtalk.run_frontend(text, jtalk=engine):
            if feature["string"] == "方" and feature["pron"] != "カタ":
                wrong[text] = f"{where}: 方 read {feature['pron']}"
    assert not wrong, wrong


def test_the_spoken_texts_are_filled_in():
    """Placeholders ({市}) are filled before the voice gets the text; no braces are spoken."""
    texts = spoken_texts()
    assert len(texts) > 100  # the whole catalog, both languages
    unfilled = {text: where for text, where in texts.items() if "{" in text or "}" in text}
    assert not unfilled, unfilled
    assert all("\t" not in text and "\n" not in text for text in texts)  # one table row each


def test_every_spoken_text_reads_as_in_the_table(engine):
    readings = {text: voice_dictionary.kana(text, engine) for text in spoken_texts()}
    if os.environ.get(UPDATE):
        write_table(readings)
    table = read_table()
    changed = [
        f"{text}\n    was {table[text]}\n    now {reading}"
        for text, reading in sorted(readings.items())
        if text in table and table[text] != reading
    ]
    new = [
        f"{text}\n    now {reading}"
        for text, reading in sorted(readings.items())
        if text not in table
    ]
    gone = sorted(set(table) - set(readings))
    report = "\n".join(
        [*(f"changed: {line}" for line in changed), *(f"new: {line}" for line in new)]
        + [f"no longer spoken: {text}" for text in gone]
    )
    if report:
        pytest.fail(
            f"the voice's readings differ from {TABLE.name}:\n{report}\n\n"
            f"If every reading above is right: {UPDATE}=1 .venv/bin/pytest "
            "tests/test_voice_readings.py -k table, then review git diff.",
            pytrace=False,
        )


def test_the_navigator_speaks_only_questions_and_the_listed_texts():
    """The table covers what is spoken: the navigator speaks a page's question or one of
    SPOKEN_UI; a new kind of spoken text must be added to spoken_texts() above."""
    tree = ast.parse((REPO / "kiosk" / "navigator.py").read_text(encoding="utf-8"))
    said = [
        node.args[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "speak"
    ]
    assert said
    keys, other = set(), []
    for argument in said:
        source = ast.unparse(argument)
        if source.startswith("self.services.text(") and isinstance(argument, ast.Call):
            keys.add(argument.args[0].value)
        elif source != "text" and ".question.text(" not in source:
            other.append(source)
    assert keys == set(SPOKEN_UI) and not other, (keys, other)
