"""The touch inputs of the question page: kana keyboard, number pad, 和暦 picker, postal code.

Every test taps real buttons. Sizes are measured at the largest text size inside the
1840×560 px a question page leaves below its heading.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable, Iterator
from datetime import date
from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from core.catalog import FieldType, Page
from core.date_picking import DateDraft, DateOpening, SelectableDates
from core.i18n import TITLE_LANGUAGES, LocalizedText, UiText
from core.validators import Valid, validate
from kiosk.config import TextSize, Theme
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.number_pad import NumberPad
from screens.postal_entry import PostalEntry
from screens.question import phone_entry_plan
from screens.theme import MIN_TARGET_PX, Look
from screens.wareki_picker import WarekiPicker

REPO = Path(__file__).resolve().parents[1]
ROOM = (1840, 560)  # below the question heading on a 1920×1080 screen
TOKYO = {"prefecture": "東京都", "city": "千代田区", "town": "千代田"}
HOKKAIDO = {"prefecture": "北海道", "city": "札幌市中央区", "town": "大通西"}
UI = UiText.load()


def texts(language: str = "ja") -> Callable[..., str]:
    return lambda key, **values: UI.get(key, language, **values)


def two_prefectures(code: str) -> list[dict[str, str]]:
    return [TOKYO, HOKKAIDO] if code == "1000001" else []


def many_towns(code: str) -> list[dict[str, str]]:
    return [{"prefecture": "京都府", "city": "京都市中京区", "town": f"町{n}"} for n in range(5)]


@pytest.fixture
def show(qtbot, japanese_qapp):
    """Put a widget in a window styled like the kiosk at the largest text size."""
    windows: list[QWidget] = []  # qtbot holds them weakly: the test keeps them alive

    def shown(widget: QWidget, theme: Theme = Theme.STANDARD) -> QWidget:
        root = QWidget()
        root.setObjectName("kiosk_root")
        root.setStyleSheet(Look(theme, TextSize.LARGEST).stylesheet())
        layout = QVBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        qtbot.addWidget(root)
        windows.append(root)
        root.resize(*ROOM)
        root.show()
        qtbot.waitExposed(root)
        return root

    return shown


@pytest.fixture
def tap(qtbot):
    def tapped(button: QPushButton) -> None:
        assert button.isVisible() and button.isEnabled(), button.objectName()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    return tapped


def keyboard(show, initial: str = "", max_length: int = 60, **options) -> KanaKeyboard:
    widget = KanaKeyboard(initial, max_length, texts(), **options)
    show(widget)
    return widget


def type_kana(tap, widget: KanaKeyboard, text: str) -> None:
    for character in text:
        tap(widget.key(character))


# -- kana keyboard ---------------------------------------------------------------------------
# Which kana take ゛, ゜ or a small form is tested without Qt in test_kana.py; here, the keys.


def test_mark_and_small_keys_change_the_last_character(show, tap):
    kb = keyboard(show)
    type_kana(tap, kb, "か")
    tap(kb.dakuten_key)
    assert kb.value() == "が"
    type_kana(tap, kb, "は")
    tap(kb.handakuten_key)
    assert kb.value() == "がぱ"
    type_kana(tap, kb, "や")
    tap(kb.small_key)
    assert kb.value() == "がぱゃ"


def test_a_mark_the_last_kana_cannot_carry_changes_nothing(show, tap, qtbot):
    kb = keyboard(show, "あか")
    with qtbot.assertNotEmitted(kb.changed):
        tap(kb.handakuten_key)
        tap(kb.small_key)
    assert kb.value() == "あか" and kb.display.text() == "あか"


def test_long_vowel_middle_dot_and_full_width_space(show, tap):
    kb = keyboard(show)
    type_kana(tap, kb, "ら")
    tap(kb.long_vowel_key)
    tap(kb.space_key)
    tap(kb.middle_dot_key)
    assert kb.value() == "らー\u3000・"


def test_delete_takes_one_character_and_clear_takes_all(show, tap, qtbot):
    kb = keyboard(show, "やまだ")
    tap(kb.delete_key)
    assert kb.value() == "やま"
    assert kb.display.text() == "やま"
    with qtbot.waitSignal(kb.changed) as signal:
        tap(kb.clear_key)
    assert signal.args == [""]
    assert kb.value() == "" and kb.display.text() == ""


def test_typing_stops_at_max_length_but_marks_still_apply(show, tap):
    kb = keyboard(show, max_length=3)
    type_kana(tap, kb, "やまたか")
    assert kb.value() == "やまた"
    tap(kb.dakuten_key)
    assert kb.value() == "やまだ"
    tap(kb.space_key)
    assert kb.value() == "やまだ"
    assert kb.length_note.text() == "3/3字"


def test_katakana_mode_types_katakana_with_marks(show, tap):
    kb = keyboard(show)
    tap(kb.mode_keys[KeyboardMode.KATAKANA])
    type_kana(tap, kb, "カ")
    tap(kb.dakuten_key)
    type_kana(tap, kb, "ヨ")
    tap(kb.small_key)
    assert kb.value() == "ガョ"


def test_katakana_first_opens_in_katakana_and_the_answer_is_a_valid_kana_name(show, tap):
    kb = keyboard(show, katakana_first=True)
    assert kb.mode() is KeyboardMode.KATAKANA
    assert kb.mode_keys[KeyboardMode.KATAKANA].isChecked()
    type_kana(tap, kb, "サトウ")
    tap(kb.space_key)
    type_kana(tap, kb, "ハナコ")
    page = Page(id="kana", type=FieldType.KANA_NAME, question=LocalizedText.of(ja="フリガナは"))
    assert validate(page, kb.value()) == Valid("サトウ\u3000ハナコ")


def test_latin_mode_types_capitals_and_marks(show, tap):
    kb = keyboard(show)
    tap(kb.mode_keys[KeyboardMode.LATIN])
    for character in "A&B-":
        tap(kb.key(character))
    tap(kb.space_key)
    assert kb.value() == "A&B- "
    assert kb.key("&").text() == "&&"  # shown as "&", not taken as a shortcut mark


def test_digit_mode_types_a_banchi_with_hyphens(show, tap):
    kb = keyboard(show, "ちよだ")
    tap(kb.mode_keys[KeyboardMode.DIGITS])
    for character in "1-2-3":
        tap(kb.key(character))
    assert kb.value() == "ちよだ1-2-3"
    page = Page(id="address", type=FieldType.ADDRESS, question=LocalizedText.of(ja="住所は"))
    assert validate(page, kb.value()) == Valid("ちよだ1-2-3")


def test_changed_signal_carries_the_text(show, tap, qtbot):
    kb = keyboard(show)
    with qtbot.waitSignal(kb.changed) as signal:
        type_kana(tap, kb, "ね")
    assert signal.args == ["ね"]


def test_hundreds_of_taps_leave_the_interpreter_intact(show, tap):
    # PySide6 6.12.0 on CPython 3.11 takes a reference from True on every Signal.emit;
    # unbalanced, a day of typing aborts the kiosk (screens.number_pad.emit gives it back).
    kb = keyboard(show, max_length=1000)
    before = sys.getrefcount(True)
    for _ in range(300):
        tap(kb.key("あ"))
    assert sys.getrefcount(True) > before - 30
    assert len(kb.value()) == 300


# -- number pad ------------------------------------------------------------------------------


def pad_type(tap, pad: NumberPad, digits: str) -> None:
    for digit in digits:
        tap(pad.digit_keys[digit])


def test_phone_number_is_grouped_3_4_4_and_value_is_digits_only(show, tap):
    pad = NumberPad("", texts(), max_digits=11, group=(3, 4, 4))
    show(pad)
    pad_type(tap, pad, "0901234")
    assert pad.display.text() == "090-1234-____"
    pad_type(tap, pad, "5678")
    assert pad.display.text() == "090-1234-5678"
    assert pad.value() == "09012345678"
    # Full: the digit keys are disabled (and drawn dashed), so a twelfth digit cannot go in.
    assert not any(key.isEnabled() for key in pad.digit_keys.values())


def test_a_phone_pad_groups_by_the_numbering_plan_and_takes_no_11th_landline_digit(show, tap):
    pad = NumberPad("", texts(), max_digits=11, group=(3, 4, 4), plan=phone_entry_plan)
    show(pad)
    pad_type(tap, pad, "0771")
    assert pad.display.text() == "0771-__-____"
    pad_type(tap, pad, "234567")
    assert pad.display.text() == "0771-23-4567"
    assert not any(key.isEnabled() for key in pad.digit_keys.values())  # ten is all
    tap(pad.clear_key)
    pad_type(tap, pad, "09012345678")
    assert pad.display.text() == "090-1234-5678" and pad.value() == "09012345678"


def test_my_number_is_grouped_4_4_4(show, tap):
    pad = NumberPad("123456789012", texts(), max_digits=12, group=(4, 4, 4))
    show(pad)
    assert pad.display.text() == "1234-5678-9012"


def test_pin_is_masked_but_value_keeps_the_digits(show, tap):
    pad = NumberPad("", texts(), max_digits=4, mask=True)
    show(pad)
    pad_type(tap, pad, "19")
    assert pad.display.text() == "●●"
    assert "1" not in pad.display.text()
    pad_type(tap, pad, "74")
    assert pad.value() == "1974"
    assert pad.display.text() == "●●●●"


def test_pad_delete_and_clear(show, tap, qtbot):
    pad = NumberPad("1234567", texts(), max_digits=7, group=(3, 4))
    show(pad)
    tap(pad.delete_key)
    assert pad.value() == "123456"
    with qtbot.waitSignal(pad.changed) as signal:
        tap(pad.clear_key)
    assert signal.args == [""]
    assert pad.display.text() == "___-____"
    assert not pad.delete_key.isEnabled()


# -- 和暦 picker ------------------------------------------------------------------------------


def date_page(**rules) -> Page:
    return Page(
        id="birth_date", type=FieldType.DATE, question=LocalizedText.of(ja="生年月日は"), **rules
    )


def offered(keys: dict[int, QPushButton]) -> list[int]:
    return [number for number, key in keys.items() if key.isVisible() and key.isEnabled()]


PICKER_TODAY = date(2026, 6, 10)  # the median resident (49) was born in 1977, 昭和52年


def picker(show, initial=None, **bounds) -> WarekiPicker:
    widget = WarekiPicker(initial, texts(), **{"today": PICKER_TODAY, **bounds})
    show(widget)
    return widget


def step_to_last_year(tap, widget: WarekiPicker) -> None:
    while widget.year_keys[10].isEnabled():
        tap(widget.year_keys[10])


def test_showa_ends_at_64_and_65_is_never_offered(show, tap):
    p = picker(show)
    tap(p.era_keys["昭和"])
    assert p.value()["year"] == 52  # where most residents' birth years are, not 昭和元年
    step_to_last_year(tap, p)
    assert p.value()["year"] == 64
    assert not p.year_keys[1].isEnabled()
    assert p.year_display.text() == "昭和64年（1989年）"


def test_showa_64_offers_only_january_1_to_7(show, tap):
    p = picker(show)
    tap(p.era_keys["昭和"])
    step_to_last_year(tap, p)
    assert offered(p.month_keys) == [1]
    assert offered(p.day_keys) == []  # no month chosen yet
    tap(p.month_keys[1])
    assert offered(p.day_keys) == [1, 2, 3, 4, 5, 6, 7]
    tap(p.day_keys[7])
    assert p.value() == {"era": "昭和", "year": 64, "month": 1, "day": 7}


def test_reiwa_1_starts_on_may_1_and_is_shown_as_gannen(show, tap):
    p = picker(show)
    tap(p.era_keys["令和"])
    assert p.year_display.text() == "令和元年（2019年）"
    assert offered(p.month_keys) == list(range(5, 13))
    tap(p.month_keys[5])
    assert offered(p.day_keys)[0] == 1
    tap(p.day_keys[1])
    assert p.value() == {"era": "令和", "year": 1, "month": 5, "day": 1}


def test_gregorian_year_is_shown_beside_the_era_year(show, tap):
    p = picker(show, date(1975, 6, 15))
    assert p.year_display.text() == "昭和50年（1975年）"
    tap(p.year_keys[-1])
    assert p.year_display.text() == "昭和49年（1974年）"


@pytest.mark.parametrize(
    "initial",
    [{"era": "平成", "year": 31, "month": 4}, {"era": "令和", "year": 2, "month": 2}, "2021-02-01"],
)
def test_the_keys_offer_what_core_offers_at_era_ends_and_in_leap_years(show, initial):
    # The rules themselves (平成31年4月30日, 2月29日 …) are tested without Qt in test_wareki.py.
    p, draft = picker(show, initial), DateDraft.start(initial, SelectableDates())
    assert offered(p.month_keys) == list(draft.months()) and draft.months()
    assert offered(p.day_keys) == list(draft.days()) and draft.days()
    assert p.year_keys[1].isEnabled() == draft.can_step(1)


def test_picked_date_is_accepted_by_the_validator_for_a_date_page(show, tap):
    page = date_page(earliest=date(1900, 1, 1), latest_is_today=True)
    p = picker(show, earliest=page.earliest, latest=date.today())
    tap(p.era_keys["昭和"])
    step_to_last_year(tap, p)
    tap(p.month_keys[1])
    tap(p.day_keys[7])
    assert validate(page, p.value()) == Valid("1989-01-07")


def test_seireki_gives_era_blank_and_a_gregorian_year(show, tap):
    page = date_page(latest_is_today=True)
    today = date(2024, 3, 15)
    p = picker(show, latest=today, today=today)
    tap(p.era_keys[""])
    assert p.value()["year"] == 1975  # where most residents' birth years are
    step_to_last_year(tap, p)
    assert p.value()["year"] == 2024
    assert not p.year_keys[1].isEnabled()
    assert offered(p.month_keys) == [1, 2, 3]
    tap(p.month_keys[3])
    assert offered(p.day_keys)[-1] == 15
    tap(p.day_keys[15])
    assert p.value() == {"era": "", "year": 2024, "month": 3, "day": 15}
    assert validate(page, p.value(), today=date(2024, 3, 15)) == Valid("2024-03-15")


def test_switching_era_keeps_the_gregorian_year_and_drops_a_day_it_lacks(show, tap):
    p = picker(show, date(1989, 1, 7))
    tap(p.era_keys["平成"])
    assert p.value() == {"era": "平成", "year": 1, "month": 1, "day": None}
    assert offered(p.day_keys)[0] == 8


def test_a_day_just_past_opens_on_this_month_and_yesterday_is_one_tap(show, tap, qtbot):
    p = picker(show, latest=PICKER_TODAY, opens_on=DateOpening.TODAY)
    assert p.value() == {"era": "", "year": 2026, "month": 6, "day": None}
    assert p.year_display.text() == "令和8年（2026年）"
    assert p.era_keys == {}  # no era to choose first: the years step across eras
    assert p.month_keys[6].isChecked() and not p.year_keys[1].isEnabled()
    assert offered(p.day_keys) == list(range(1, 11))  # never a day after today
    assert [key.text() for key in p.recent_keys] == [
        "今日　6月10日",
        "きのう　6月9日",
        "おととい　6月8日",
    ]
    with qtbot.waitSignal(p.changed):
        tap(p.recent_keys[1])
    assert p.value() == {"era": "", "year": 2026, "month": 6, "day": 9}
    assert validate(date_page(latest_is_today=True), p.value(), PICKER_TODAY) == Valid("2026-06-09")
    assert p.recent_keys[1].isChecked() and p.day_keys[9].isChecked()
    assert not p.recent_keys[0].isChecked()
    tap(p.day_keys[10])  # the same as 今日: its shortcut shows chosen
    assert p.recent_keys[0].isChecked() and not p.recent_keys[1].isChecked()


def test_a_day_just_past_steps_back_across_an_era_with_both_names_shown(show, tap):
    p = picker(show, "2020-03-01", latest=PICKER_TODAY, opens_on=DateOpening.TODAY)
    assert p.year_display.text() == "令和2年（2020年）"
    tap(p.year_keys[-1])
    assert p.year_display.text() == "平成31年・令和元年（2019年）"
    assert offered(p.month_keys) == list(range(1, 13))  # May 2019 is as reachable as April
    tap(p.year_keys[-1])
    assert p.year_display.text() == "平成30年（2018年）"


def test_a_shortcut_to_a_day_the_page_refuses_is_disabled(show):
    p = picker(show, earliest=PICKER_TODAY, opens_on=DateOpening.TODAY)
    assert [key.isEnabled() for key in p.recent_keys] == [True, False, False]


def test_a_birth_date_picker_has_no_shortcuts_and_asks_for_the_era_first(show):
    p = picker(show, earliest=date(1900, 1, 1), latest=PICKER_TODAY)
    assert p.recent_keys == [] and "date_row_recent" not in p.row_labels
    assert p.value() == {"era": "", "year": None, "month": None, "day": None}
    assert p.year_display.text() == texts()("date_year_choose_era")


def test_eras_before_the_earliest_date_cannot_be_chosen(show):
    p = picker(show, earliest=date(1930, 1, 1), latest=date(2024, 12, 31))
    assert not p.era_keys["明治"].isEnabled()
    assert not p.era_keys["大正"].isEnabled()
    assert p.era_keys["昭和"].isEnabled()


def test_stored_iso_answer_comes_back_and_clear_forgets_it(show, tap, qtbot):
    p = picker(show, "1989-01-07")
    assert p.value() == {"era": "昭和", "year": 64, "month": 1, "day": 7}
    assert p.day_keys[7].isChecked()
    with qtbot.waitSignal(p.changed):
        p.clear()
    assert p.value() == {"era": "", "year": None, "month": None, "day": None}
    assert not any(key.isChecked() for key in p.day_keys.values())
    assert "1989" not in p.year_display.text()


# -- postal code -----------------------------------------------------------------------------


def test_postal_code_shows_one_button_per_candidate_and_returns_the_chosen(show, tap):
    entry = PostalEntry(None, texts(), two_prefectures)
    show(entry)
    assert not any(key.isVisible() for key in entry.candidate_keys)
    for digit in "1000001":
        tap(entry.pad.digit_keys[digit])
    assert entry.pad.display.text() == "〒100-0001"
    assert entry.value() == "1000001"  # nothing chosen yet: the kiosk never picks one
    visible = [key for key in entry.candidate_keys if key.isVisible()]
    assert len(visible) == 2
    assert "東京都" in visible[0].text() and "北海道" in visible[1].text()
    tap(visible[1])
    assert entry.value() == {"code": "1000001", "chosen": HOKKAIDO}


def test_changing_the_code_forgets_the_addresses_and_the_choice(show, tap):
    entry = PostalEntry({"code": "1000001", "chosen": TOKYO}, texts(), two_prefectures)
    show(entry)
    assert entry.value() == {"code": "1000001", "chosen": TOKYO}
    tap(entry.pad.delete_key)
    assert entry.value() == "100000"
    assert not any(key.isVisible() for key in entry.candidate_keys)


def test_unknown_code_says_so(show, tap):
    entry = PostalEntry("9999999", texts(), two_prefectures)
    show(entry)
    assert entry.status.text() == texts()("postal_not_found")


def test_many_candidates_are_paged(show, tap):
    entry = PostalEntry("6040000", texts(), many_towns)
    show(entry)
    assert entry.next_key.isVisible() and not entry.previous_key.isEnabled()
    tap(entry.next_key)
    visible = [key for key in entry.candidate_keys if key.isVisible()]
    assert [key.text().splitlines()[-1] for key in visible] == ["町3", "町4"]
    tap(visible[1])
    assert entry.value()["chosen"]["town"] == "町4"


# -- sizes -----------------------------------------------------------------------------------


def _kana(language):
    return KanaKeyboard("やまだ\u3000たろう", 60, texts(language))


WIDGETS = {
    "kana": _kana,
    "number_pad": lambda language: NumberPad(
        "090", texts(language), max_digits=11, group=(3, 4, 4)
    ),
    "wareki": lambda language: WarekiPicker(date(1989, 1, 7), texts(language)),
    # With 今日・きのう・おととい: one row more, in the same room.
    "wareki_today": lambda language: WarekiPicker(
        None, texts(language), latest=PICKER_TODAY, opens_on=DateOpening.TODAY, today=PICKER_TODAY
    ),
    "postal": lambda language: PostalEntry("6040000", texts(language), many_towns),
}


def _screens(widget: QWidget, tap) -> Iterator[str]:
    """Show every layout of the widget in turn: the keyboard's four modes, else the one."""
    if isinstance(widget, KanaKeyboard):
        for mode in KeyboardMode:
            tap(widget.mode_keys[mode])
            yield mode.value
    else:
        yield "main"


def _area(widget: QWidget, root: QWidget) -> QRect:
    return QRect(widget.mapTo(root, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("language", list(TITLE_LANGUAGES))
@pytest.mark.parametrize("theme", list(Theme))
@pytest.mark.parametrize("name", list(WIDGETS))
def test_every_key_is_15_mm_8_px_apart_unclipped_and_fits_the_room(
    name, theme, language, show, tap
):
    widget = WIDGETS[name](language)
    root = show(widget, theme)
    for hint in (widget.sizeHint(), widget.minimumSizeHint()):
        assert hint.width() <= ROOM[0] and hint.height() <= ROOM[1], (name, hint)
    for screen in _screens(widget, tap):
        keys = [key for key in widget.findChildren(QPushButton) if key.isVisible()]
        assert keys
        for key in keys:
            where = f"{name}/{screen}/{key.objectName()}"
            assert min(key.width(), key.height()) >= MIN_TARGET_PX, (where, key.size())
            assert QFontInfo(key.font()).pixelSize() >= 24, where
            for line in key.text().replace("&&", "&").splitlines():
                # The theme's 3 px border and at least 8 px of air on each side.
                room = key.contentsRect().width() - 2 * (3 + 8)
                assert key.fontMetrics().horizontalAdvance(line) <= room, (where, line)
        for a, b in combinations(keys, 2):
            first, second = _area(a, root), _area(b, root)
            gap = max(
                second.left() - first.right() - 1,
                first.left() - second.right() - 1,
                second.top() - first.bottom() - 1,
                first.top() - second.bottom() - 1,
            )
            assert gap >= 8, (name, screen, a.objectName(), b.objectName(), gap)
        for text in widget.findChildren(QLabel):
            if text.isVisible() and text.text():
                assert QFontInfo(text.font()).pixelSize() >= 24, text.objectName()
        assert widget.width() <= ROOM[0] and widget.height() <= ROOM[1]


def test_every_widget_label_exists_in_every_ui_language():
    entries = tomllib.loads((REPO / "assets" / "i18n" / "widgets.toml").read_text("utf-8"))
    prefixes = ("kb_", "pad_", "date_", "postal_")
    for key, text in entries.items():
        assert key.startswith(prefixes), key
        assert set(TITLE_LANGUAGES) <= set(text), key
        assert key in UI


# -- wrapped buttons and the phone's scrolling column ----------------------------------------


def test_a_wrapped_label_breaks_evenly_never_leaving_one_character_alone(japanese_qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from screens.wrapping_button import balanced_lines, wrapped_lines

    font = QFont()
    font.setPixelSize(28)
    text = "見やすい色にする"  # the home page's colours at the phone's largest size
    width = QFontMetrics(font).horizontalAdvance("見やすい色にす") + 2
    filled = wrapped_lines(text, font, width)
    assert filled == ["見やすい色にす", "る"]  # what filling each line leaves
    balanced = balanced_lines(text, font, width)
    assert len(balanced) == 2 and "".join(balanced) == text
    assert min(len(line) for line in balanced) >= 3


def test_a_button_given_a_shorter_text_loses_the_lines_of_the_longer(show, qtbot):
    from screens.metrics import PHONE
    from screens.widgets import big_button

    button = big_button("職員", metrics=PHONE)
    button.setFixedWidth(160)
    show(button)
    one_line = button.minimumHeight()
    button.setText("しょくいんを よぶ しょくいんを よぶ")  # ja-easy's words wrap
    qtbot.waitUntil(lambda: button.minimumHeight() > one_line)
    button.setText("職員")  # back to Japanese: one line again, not the old lines' height
    assert button.minimumHeight() == one_line


def test_the_phones_scroll_arrows_go_once_the_rows_fit_without_them(show, qtbot):
    from screens.metrics import PHONE
    from screens.widgets import ScrollingColumn, label

    column = ScrollingColumn("rows", PHONE, shrink_first=True)
    column.set_texts(texts())
    column.setFixedHeight(400)
    lines = [label("行" * 10) for _ in range(12)]
    for line in lines:
        column.add_row(line)
    show(column)
    qtbot.waitUntil(lambda: column.up_button.isVisible())  # twelve lines overflow 400 px
    for line in lines[4:]:
        line.hide()
    # Four lines fit the column once ▲ ▼ give their row back: they must not keep themselves,
    # and nothing is left to scroll once the layout has settled (late on a busy machine).
    qtbot.waitUntil(lambda: not column.up_button.isVisible())
    qtbot.waitUntil(lambda: column.scroll.verticalScrollBar().maximum() == 0)


def test_text_set_on_a_phone_page_never_shown_is_laid_out_whole(japanese_qapp, qtbot):
    """Rows of a page shown for the first time, taller than the phone, get the height of
    their wrapped text and scroll (the phone's 転入届 page cut its explanation and drew the
    next line over it)."""
    from PySide6.QtWidgets import QStackedLayout

    from screens.metrics import PHONE
    from screens.page_frame import PageFrame
    from screens.widgets import label

    window = QWidget()
    window.setStyleSheet(Look(Theme.STANDARD, TextSize.LARGEST, PHONE).stylesheet())
    stack = QStackedLayout(window)
    first, second = PageFrame(PHONE), PageFrame(PHONE)
    paragraphs = [label(name=f"paragraph_{n}") for n in range(5)]
    for paragraph in paragraphs:
        second.content.addWidget(paragraph)
    second.content.addStretch(1)
    stack.addWidget(first)
    stack.addWidget(second)
    window.resize(390, 844)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for paragraph in paragraphs:
        paragraph.setText("転居届は、この市の中で引っ越したときの届出です。" * 2)
    stack.setCurrentWidget(second)
    qtbot.waitUntil(lambda: second.page_scroll.up_button.isVisible())  # they overflow
    for paragraph in paragraphs:
        assert paragraph.height() >= paragraph.heightForWidth(paragraph.width())
