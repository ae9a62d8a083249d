"""The kana rules of the touch keyboard, without Qt: marks, small kana, katakana, the buffer."""

from __future__ import annotations

import pytest

from core.catalog import FieldType, Page
from core.i18n import LocalizedText
from core.kana import (
    KANA_SPACE,
    LONG_VOWEL,
    MIDDLE_DOT,
    KanaBuffer,
    Mark,
    small_toggled,
    to_katakana,
    with_mark,
)
from core.validators import Valid, validate

# -- marks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("character", "mark", "expected"),
    [
        ("か", Mark.DAKUTEN, "が"),
        ("は", Mark.DAKUTEN, "ば"),
        ("は", Mark.HANDAKUTEN, "ぱ"),
        ("ば", Mark.HANDAKUTEN, "ぱ"),  # one mark replaces the other
        ("ぱ", Mark.DAKUTEN, "ば"),
        ("う", Mark.DAKUTEN, "ゔ"),
        ("ウ", Mark.DAKUTEN, "ヴ"),
        ("ツ", Mark.DAKUTEN, "ヅ"),
        ("ホ", Mark.HANDAKUTEN, "ポ"),
    ],
)
def test_a_mark_makes_the_voiced_kana(character, mark, expected):
    assert with_mark(character, mark) == expected


@pytest.mark.parametrize(
    ("character", "mark", "expected"),
    [("が", Mark.DAKUTEN, "か"), ("ぱ", Mark.HANDAKUTEN, "は"), ("ゔ", Mark.DAKUTEN, "う")],
)
def test_the_same_mark_again_takes_it_off(character, mark, expected):
    assert with_mark(character, mark) == expected


@pytest.mark.parametrize(
    ("character", "mark"),
    [
        ("あ", Mark.DAKUTEN),  # no voiced あ
        ("か", Mark.HANDAKUTEN),  # ゜ belongs to the は row only
        ("ゔ", Mark.HANDAKUTEN),
        ("わ", Mark.DAKUTEN),  # わ゛ has no character; no register accepts ヷ
        ("ワ", Mark.DAKUTEN),
        ("っ", Mark.DAKUTEN),
        ("ー", Mark.DAKUTEN),
        ("A", Mark.HANDAKUTEN),
        ("é", Mark.DAKUTEN),  # a Latin letter that already carries a combining mark
        ("", Mark.DAKUTEN),
        ("かき", Mark.DAKUTEN),  # one character at a time
    ],
)
def test_a_character_that_cannot_carry_the_mark_comes_back_unchanged(character, mark):
    assert with_mark(character, mark) == character


def test_every_marked_kana_is_one_character_a_kana_name_accepts():
    page = Page(id="kana", type=FieldType.KANA_NAME, question=LocalizedText.of(ja="フリガナは"))
    made = set()
    for code in range(ord("ぁ"), ord("ゖ") + 1):
        for base in (chr(code), to_katakana(chr(code))):
            for mark in Mark:
                marked = with_mark(base, mark)
                if marked != base:
                    assert len(marked) == 1, (base, mark)
                    made.add(to_katakana(marked))
    assert validate(page, "".join(sorted(made))) == Valid("".join(sorted(made)))
    assert "ヷ" not in made and "ヴ" in made


# -- small kana and katakana -----------------------------------------------------------------


SMALL_PAIRS = ["つっ", "やゃ", "よょ", "わゎ", "あぁ", "ツッ", "ワヮ"]


@pytest.mark.parametrize(("big", "small"), [tuple(pair) for pair in SMALL_PAIRS])
def test_the_small_key_toggles_both_ways(big, small):
    assert small_toggled(big) == small
    assert small_toggled(small) == big


@pytest.mark.parametrize("character", ["か", "ん", "ー", "が", "A", ""])
def test_kana_without_a_small_form_stay(character):
    assert small_toggled(character) == character


def test_katakana_conversion_keeps_small_kana_marks_and_everything_else():
    assert to_katakana("きゃっゔゎ") == "キャッヴヮ"
    assert to_katakana("やまだ　たろう・ー A-1") == "ヤマダ　タロウ・ー A-1"
    assert to_katakana("カタカナ") == "カタカナ"


# -- the buffer ------------------------------------------------------------------------------


def test_the_buffer_refuses_the_character_past_its_limit():
    full = KanaBuffer.start("", 3).typed("や").typed("ま").typed("た")
    assert full.text == "やまた" and full.is_full
    assert full.typed("か") is full
    assert full.typed(KANA_SPACE) is full


def test_a_text_that_would_pass_the_limit_goes_in_whole_or_not_at_all():
    buffer = KanaBuffer.start("やま", 3)
    assert buffer.typed("だた") is buffer
    assert buffer.typed("だ").text == "やまだ"


def test_marks_and_small_kana_apply_on_a_full_buffer():
    full = KanaBuffer.start("きやた", 3)
    assert full.marked(Mark.DAKUTEN).text == "きやだ"
    assert full.deleted().small_toggled().text == "きゃ"


def test_a_refused_change_returns_the_same_buffer():
    empty = KanaBuffer.start("", 5)
    assert empty.marked(Mark.DAKUTEN) is empty
    assert empty.small_toggled() is empty
    assert empty.deleted() is empty
    a = empty.typed("あ")
    assert a.marked(Mark.DAKUTEN) is a
    assert a.typed("") is a


def test_a_long_initial_text_is_cut_to_the_limit():
    assert KanaBuffer.start("やまだはなこ", 4).text == "やまだは"
    assert KanaBuffer.start(None, 4).text == ""


def test_a_buffer_cannot_be_made_longer_than_its_limit():
    with pytest.raises(ValueError):
        KanaBuffer("やまだ", 2)


def test_delete_takes_one_character_and_clear_takes_all():
    buffer = KanaBuffer.start("やまだ", 10)
    assert buffer.deleted().text == "やま"
    assert buffer.cleared().text == "" and buffer.cleared().limit == 10
    assert buffer.text == "やまだ"  # a value object: the changes made new buffers


def test_a_name_typed_into_the_buffer_is_a_valid_kana_name():
    buffer = KanaBuffer.start("", 20)
    for key in ("サ", "ト", "ウ", KANA_SPACE, "ヨ", "ウ", "コ", "ウ", MIDDLE_DOT, "ル", LONG_VOWEL):
        buffer = buffer.typed(key)
    buffer = buffer.deleted().deleted().deleted()  # ・ルー out again
    buffer = buffer.typed("ホ").marked(Mark.HANDAKUTEN)
    page = Page(id="kana", type=FieldType.KANA_NAME, question=LocalizedText.of(ja="フリガナは"))
    assert validate(page, buffer.text) == Valid("サトウ\u3000ヨウコウポ")
