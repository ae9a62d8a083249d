"""A question page: the question as the heading, one touch input, a plain-words error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.area import NO_AREA, MunicipalArea
from core.catalog import DEFAULT_MAX_LENGTH, FieldType, Page, Procedure
from core.date_rules import allowed_dates
from core.fields import postal_text
from core.flow import Progress
from core.name_choice import Lookup, NameChoosing, is_kana_reading, is_name_answer, typed_name
from core.phone import entry_groups, entry_length
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.metrics import KIOSK, Metrics
from screens.name_candidates import NameCandidates
from screens.number_pad import NumberPad
from screens.page_frame import PageFrame
from screens.postal_entry import PostalEntry
from screens.town_chooser import TownAddressEntry
from screens.wareki_picker import WarekiPicker
from screens.widgets import big_button, label

# Every field type has a touch widget: choices and steppers here, the kana keyboard, number
# pad, 和暦 date picker and postal-code entry in their own files.
TOUCH_TYPES = set(FieldType)
TEXT_INPUT_TYPES = {FieldType.KANA_NAME, FieldType.KANJI_NAME, FieldType.TEXT, FieldType.ADDRESS}
PAD_GROUPS = {FieldType.PHONE: (3, 4, 4), FieldType.MY_NUMBER: (4, 4, 4)}
PAD_DIGITS = {FieldType.PHONE: 11, FieldType.MY_NUMBER: 12}


def phone_entry_plan(digits: str) -> tuple[tuple[int, ...], int]:
    return entry_groups(digits), entry_length(digits)


def touch_ready(procedure: Procedure) -> bool:
    return all(page.type in TOUCH_TYPES for page in procedure.pages)


class Stepper(QWidget):
    """[− へらす]  2通  [＋ ふやす]: a small count without typing (copies, people, years)."""

    def __init__(
        self,
        page: Page,
        value: int | None,
        display: Callable[[int], str],
        t: Callable[..., str],
        metrics: Metrics = KIOSK,
    ) -> None:
        super().__init__()
        self._page, self._display, self._t = page, display, t
        self._value = value if value is not None else page.low
        target = metrics.primary_target_px
        row = QHBoxLayout(self)
        row.setSpacing(metrics.gap_px if metrics.narrow else 48)
        if metrics.narrow:
            row.setContentsMargins(0, 0, 0, 0)
        self.fewer = big_button(name="fewer", metrics=metrics)
        self.more = big_button(name="more", metrics=metrics)
        self.display = label(role="heading", name="stepper_value", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumWidth(target * (2 if metrics.narrow else 3))
        for button in (self.fewer, self.more):
            button.setMinimumSize(target * 2, target)
        row.addStretch(1)
        row.addWidget(self.fewer)
        row.addWidget(self.display)
        row.addWidget(self.more)
        row.addStretch(1)
        self.fewer.clicked.connect(lambda: self._step(-1))
        self.more.clicked.connect(lambda: self._step(+1))
        self._refresh()

    def _step(self, delta: int) -> None:
        self._value = min(self._page.high, max(self._page.low, self._value + delta))
        self._refresh()

    def _refresh(self) -> None:
        self.fewer.setText("－ " + self._t("fewer"))
        self.more.setText("＋ " + self._t("more"))
        self.display.setText(self._display(self._value))
        self.fewer.setEnabled(self._value > self._page.low)
        self.more.setEnabled(self._value < self._page.high)

    def value(self) -> int:
        return self._value

    def clear(self) -> None:
        self._value = self._page.low
        self._refresh()


class ChoiceButtons(QWidget):
    """One large checkable button per option: exactly one, or several when `several`."""

    def __init__(
        self,
        options: list[tuple[Any, str]],
        chosen: Any,
        several: bool = False,
        metrics: Metrics = KIOSK,
    ) -> None:
        super().__init__()
        # One column reads best; past four options (five on a phone) a second (and third)
        # column keeps every option on the screen at every text size, read left to right.
        grid = QGridLayout(self)
        grid.setSpacing(metrics.gap_px if metrics.narrow else 24)
        if metrics.narrow:
            grid.setContentsMargins(0, 0, 0, 0)
        columns = metrics.choice_columns(len(options))
        self._several = several
        self._group = QButtonGroup(self)
        self._group.setExclusive(not several)
        self._buttons: list[tuple[Any, QPushButton]] = []
        picked = set(chosen or ()) if several else {chosen}
        for value, text in options:
            button = big_button(text, name=f"option_{str(value).lower()}", metrics=metrics)
            button.setCheckable(True)
            button.setMinimumHeight(metrics.primary_target_px)
            self._group.addButton(button)
            index = len(self._buttons)
            self._buttons.append((value, button))
            grid.addWidget(button, index // columns, index % columns)
            if value in picked:
                button.setChecked(True)

    def options(self) -> list[Any]:
        return [value for value, _ in self._buttons]

    def button(self, value: Any) -> QPushButton:
        return next(button for option, button in self._buttons if option == value)

    def choose(self, value: Any) -> None:
        self.button(value).click()

    def value(self) -> Any:
        chosen = [option for option, button in self._buttons if button.isChecked()]
        if self._several:
            return chosen
        return chosen[0] if chosen else None

    def clear(self) -> None:
        self._group.setExclusive(False)
        for _, button in self._buttons:
            button.setChecked(False)
        self._group.setExclusive(not self._several)


class QuestionScreen(PageFrame):
    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics)
        self.setObjectName("question")
        self.heading = label(role="heading", name="question_text")
        self.hint = label(role="small", name="hint")
        self.error = label(role="error", name="error")
        self.error.hide()
        self._input_host = QVBoxLayout()
        # The error under the question, above the input (the GOV.UK pattern), in the hint's
        # place while it shows: the error says how to answer, and a hint, an error and a
        # keyboard together would push the page past the screen at the largest size.
        self.content.addWidget(self.heading)
        self.content.addWidget(self.hint)
        self.content.addWidget(self.error)
        self.content.addLayout(self._input_host)
        self.content.addStretch(1)
        self.input: QWidget | None = None
        # Set by the window: a postal code's address candidates (from services), and today.
        self.postal_candidates: Callable[[str], list[dict[str, str]]] = lambda code: []
        self.today: Callable[[], date] = date.today
        # Set by the window: the municipality's postal codes and 町名 (in-city pages).
        self.municipal_area: Callable[[], MunicipalArea] = lambda: NO_AREA
        # Set by the window: the name index's spellings (kiosk.name_index.NameLookup). None:
        # a kanji_name page keeps the kana typed, marked for staff.
        self.name_lookup: Lookup | None = None
        # A kanji_name page: the answer it opened with, and the stage after the keyboard.
        self._name_page: tuple[Any] | None = None
        self.names: NameCandidates | None = None
        self._t: Callable[..., str] = lambda key, **values: key
        # 次へ on a kanji_name page first offers the kanji; then it submits as on any page.
        self.primary_button.clicked.disconnect(self.primary_requested)
        self.primary_button.clicked.connect(self._primary)

    def show_page(
        self,
        page: Page,
        answer: Any,
        progress: Progress,
        procedure_title: str,
        language: str,
        t: Callable[..., str],
        address_so_far: dict[str, Any] | None = None,
    ) -> None:
        """address_so_far: on an address page, the postal code and town chosen before."""
        self.set_footer_texts(t)
        self.title.setText(procedure_title)
        # Once, as numbers and words together ("3問目 / 全10問"): twice read as two counts.
        self.progress.setText(t("progress", position=progress.position, total=progress.total))
        self.heading.setText(page.question.text(language))
        self.error.hide()  # first: a hint shown lays the page out at once, error and all
        self.hint.setText(page.hint.text(language) if page.hint else "")
        self.hint.setVisible(page.hint is not None)
        if self.input is not None:
            self.input.setParent(None)
            self.input.deleteLater()
        self._close_names()
        self._t = t
        self._name_page = (answer,) if page.type is FieldType.KANJI_NAME else None
        if is_name_answer(answer):
            answer = answer["kana"]  # the keyboard shows the reading; 次へ keeps the answer
        self.input = self._input_for(page, answer, language, t, address_so_far)
        self._input_host.addWidget(self.input)
        self.input.show()  # a layout only queues the show; a quick tap must find it there

    def _input_for(
        self,
        page: Page,
        answer: Any,
        language: str,
        t: Callable[..., str],
        address_so_far: dict[str, Any] | None = None,
    ) -> QWidget:
        kind, m = page.type, self.metrics
        area = self.municipal_area() if page.in_municipality else NO_AREA
        if kind is FieldType.ADDRESS and area.known:
            # The town from the municipality's own 町名, then the rest typed.
            return TownAddressEntry(
                answer if isinstance(answer, str) else "", area, page.length_limit, t, m
            )
        if kind in TEXT_INPUT_TYPES:
            return KanaKeyboard(
                answer if isinstance(answer, str) else "",
                page.max_length or DEFAULT_MAX_LENGTH.get(kind, 60),
                t,
                katakana_first=kind is FieldType.KANA_NAME,
                metrics=m,
                # After the town: the 番地 starts with digits (2丁目3番4号, 1-2-3).
                first_mode=KeyboardMode.DIGITS if address_so_far else None,
                known_part=postal_text(address_so_far) if address_so_far else "",
                modes=(KeyboardMode.KATAKANA,)
                if kind is FieldType.KANA_NAME
                else tuple(KeyboardMode),
            )
        if kind in PAD_DIGITS:
            return NumberPad(
                answer if isinstance(answer, str) else "",
                t,
                max_digits=PAD_DIGITS[kind],
                group=PAD_GROUPS[kind],
                metrics=m,
                # A phone number is grouped by the numbering plan as it is typed, and stops
                # at its kind's length (no 11th digit on a landline).
                plan=phone_entry_plan if kind is FieldType.PHONE else None,
            )
        if kind is FieldType.DATE:
            today = self.today()
            return WarekiPicker(
                answer,
                t,
                # The days the page's rule allows today (core.date_rules): the validator and
                # its message share this one definition.
                dates=allowed_dates(page, today),
                metrics=m,
                opens_on=page.opens_on,
                today=today,
            )
        if kind is FieldType.POSTAL_CODE:
            if area.known:
                # Only the municipality's own codes and towns, and its 町名 for a resident
                # who does not know the code.
                def inside(code: str) -> list[dict[str, str]]:
                    return [c for c in self.postal_candidates(code) if area.holds(c)]

                city = "・".join(area.city_names())
                return PostalEntry(
                    answer,
                    t,
                    inside,
                    metrics=m,
                    towns=area.rows(),
                    everywhere=self.postal_candidates,
                    city=city,
                )
            return PostalEntry(answer, t, self.postal_candidates, metrics=m)
        if kind is FieldType.COPIES:
            return Stepper(page, answer, lambda n: t("copies_unit", count=n), t, m)
        if kind is FieldType.NUMBER:
            unit = page.unit.text(language) if page.unit else ""
            return Stepper(page, answer, lambda n: f"{n}{unit}", t, m)
        if kind is FieldType.YES_NO:
            return ChoiceButtons([(True, t("yes")), (False, t("no"))], answer, metrics=m)
        if kind is FieldType.CONSENT:
            return ChoiceButtons([(True, t("agreed"))], answer, metrics=m)
        if kind in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE):
            options = [(option.value, option.label.text(language)) for option in page.options]
            several = kind is FieldType.MULTIPLE_CHOICE
            return ChoiceButtons(options, answer, several=several, metrics=m)
        raise ValueError(f"no touch widget yet for {kind} pages")

    def value(self) -> Any:
        if self.names is not None:
            return self.names.value()
        if self._name_page is not None and self.input is not None:
            return typed_name(self.input.value(), self._name_page[0])
        return self.input.value() if self.input is not None else None

    # -- kanji_name pages: the kanji after the kana -----------------------------------------

    def _primary(self) -> None:
        if not self._names_started():
            self.primary_requested.emit()

    def _names_started(self) -> bool:
        """Typed kana on a kanji_name page: the spellings instead of submitting. Not when the
        reading is unchanged from the answer the page opened with, and never when the index
        is not ready (the kana goes on, marked for staff)."""
        if self._name_page is None or self.names is not None or self.input is None:
            return False
        typed, initial = self.input.value(), self._name_page[0]
        unchanged = typed_name(typed, initial) is initial
        if unchanged or self.name_lookup is None or not is_kana_reading(typed):
            return False
        choosing = NameChoosing(typed, self.name_lookup)
        if not choosing.available:
            return False
        self.error.hide()
        self.names = NameCandidates(choosing, self._t, self.metrics)
        self.names.retype_requested.connect(self._retype)
        self.input.hide()
        self._input_host.addWidget(self.names)
        self.names.show()
        return True

    def _retype(self) -> None:
        self._close_names()
        if self.input is not None:
            self.input.show()

    def _close_names(self) -> None:
        if self.names is not None:
            self.names.setParent(None)
            self.names.deleteLater()
            self.names = None

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.hint.hide()  # before the error shows: both at once would lay out too tall
        self.error.show()

    def clear(self) -> None:
        """Forget what is on screen (start over, idle, after finalize): the input widget that
        showed an answer is destroyed, not just reset, and the texts of the page go too."""
        if self.input is not None:
            self.input.setParent(None)
            self.input.deleteLater()
            self.input = None
        self._close_names()
        self._name_page = None
        for text in (self.title, self.progress, self.heading, self.hint, self.error):
            text.clear()
        self.error.hide()
