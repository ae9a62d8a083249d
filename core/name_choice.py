"""Choosing the kanji of a name typed in kana, by touch: the state of it, without Qt.

A resident without a My Number Card types the reading (よしの　たかこ). For the family name and
then the given name the kiosk offers the likely spellings (from the name index); a chosen
spelling is offered again in its old or variant forms (吉野 → 𠮷野); 「この中にない」 leads to the
variant forms of everything offered, to picking character by character by a known word
(「吉野の吉」), or to keeping the kana. Nothing here ever blocks: every stage has a way on.

The answer of a kanji_name page typed this way is a NameAnswer dict, {"kana", "kanji",
"confirmed"}; answers from the card (or the phone form) stay plain strings. `confirmed` is False
when any part kept kana: the application is marked for staff (漢字未確認).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from core.kana import KANA_SPACE, to_katakana
from core.name_characters import characters_starting
from core.name_variants import variant_spellings

NAME_KEYS = ("kana", "kanji", "confirmed")
NOT_CONFIRMED_JA = "漢字未確認"  # the staff's word, on the console and `kiosk backend show`
MOST_SPELLINGS = 9  # three rows of three large buttons
_PARTS = re.compile(r"[\s\u3000]+")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u309b\u309c]+")


def name_answer(kana: str, kanji: str | None, confirmed: bool) -> dict[str, Any]:
    return {"kana": kana, "kanji": kanji, "confirmed": confirmed}


def is_name_answer(value: object) -> bool:
    return isinstance(value, dict) and set(value) == set(NAME_KEYS)


def name_text(value: dict[str, Any], not_confirmed: str) -> str:
    """𠮷野　髙子（ヨシノ　タカコ）; ヨシノ　たかこ… kept in kana: the kana and the flag."""
    if value.get("confirmed") and value.get("kanji"):
        return f"{value['kanji']}（{value['kana']}）"
    shown = value.get("kanji") or value.get("kana") or ""
    reading = f"（{value['kana']}）" if value.get("kanji") else ""
    return f"{shown}{reading} [{not_confirmed}]"


def is_kana_reading(text: str) -> bool:
    """A reading the stage can look up: kana and spaces only (a card's kanji is not)."""
    parts = [part for part in _PARTS.split(text) if part]
    return bool(parts) and all(_KANA.fullmatch(part) for part in parts)


class NameKind(Enum):
    FAMILY = "family"  # 姓
    GIVEN = "given"  # 名


# The spellings of a katakana reading, most likely first; None: no index to ask (not built).
Lookup = Callable[[NameKind, str], "list[str] | None"]


class Stage(Enum):
    CANDIDATES = "candidates"
    FORMS = "forms"  # the chosen spelling and its variant forms
    NOT_LISTED = "not_listed"
    BY_WORD = "by_word"
    DONE = "done"


@dataclass(frozen=True)
class Choice:
    """One button: a spelling or character (text, with its word as note) or an action (key)."""

    action: str
    text: str = ""
    key: str = ""  # a UI text key for an action's label
    note: str = ""
    value: str = ""


@dataclass
class _Part:
    kind: NameKind
    reading: str  # katakana
    spelling: str | None = None
    confirmed: bool = False


def _split(reading: str, lookup: Lookup) -> list[_Part] | None:
    """Parts of a reading typed without a space: the split where both halves are names,
    family names of three kana tried first (サトウ|ハナコ), then two, four …"""
    lengths = sorted(range(1, len(reading)), key=lambda n: (abs(n - 3), n))
    for length in lengths:
        family, given = reading[:length], reading[length:]
        if lookup(NameKind.FAMILY, family) and lookup(NameKind.GIVEN, given):
            return [_Part(NameKind.FAMILY, family), _Part(NameKind.GIVEN, given)]
    return None


class NameChoosing:
    def __init__(self, kana: str, lookup: Lookup, most: int = MOST_SPELLINGS) -> None:
        self._lookup, self._most = lookup, most
        readings = [to_katakana(part) for part in _PARTS.split(kana) if part]
        self.available = lookup(NameKind.FAMILY, readings[0] if readings else "") is not None
        if len(readings) == 1 and self.available:
            self._parts = _split(readings[0], lookup) or [_Part(NameKind.FAMILY, readings[0])]
        else:
            kinds = [NameKind.FAMILY] + [NameKind.GIVEN] * (len(readings) - 1)
            self._parts = [
                _Part(kind, reading) for kind, reading in zip(kinds, readings, strict=True)
            ]
        self._at = 0
        self._offered: list[str] = []
        self._forms: list[str] = []
        self._built, self._rest, self._kept_kana = "", "", False
        self.stage = Stage.CANDIDATES
        self._open_part()

    # -- what the screen shows ------------------------------------------------------------

    @property
    def part(self) -> _Part:
        return self._parts[min(self._at, len(self._parts) - 1)]

    @property
    def done(self) -> bool:
        return self.stage is Stage.DONE

    def heading(self) -> tuple[str, dict[str, str]]:
        """The UI text key of the stage's question and its values."""
        part = self.part
        values = {"reading": part.reading, "built": self._built, "rest": self._rest}
        key = {
            Stage.CANDIDATES: f"name_pick_{part.kind.value}",
            Stage.FORMS: "name_pick_form",
            Stage.NOT_LISTED: "name_not_listed_heading",
            Stage.BY_WORD: "name_by_word_heading",
            Stage.DONE: "name_chosen",
        }[self.stage]
        return key, values

    def choices(self) -> list[Choice]:
        if self.stage is Stage.CANDIDATES:
            return [
                *(Choice("spelling", text) for text in self._offered),
                Choice("not_listed", key="name_not_listed"),
                Choice("keep_kana", key="name_keep_kana"),
            ]
        if self.stage is Stage.FORMS:
            return [
                *(Choice("form", text) for text in self._forms),
                Choice("back", key="name_back"),
            ]
        if self.stage is Stage.NOT_LISTED:
            offered = set(self._offered)
            forms = [
                form
                for spelling in self._offered
                for form in variant_spellings(spelling)
                if form not in offered
            ]
            return [
                *(Choice("form", form) for form in dict.fromkeys(forms)),
                Choice("by_word", key="name_by_word"),
                Choice("keep_kana", key="name_keep_kana"),
            ]
        if self.stage is Stage.BY_WORD:
            known = characters_starting(self._rest)[: self._most]
            return [
                *(Choice("character", k.character, note=k.word, value=k.reading) for k in known),
                Choice("kana_syllable", key="name_keep_syllable", value=self._rest[0]),
                Choice("keep_kana", key="name_keep_kana"),
            ]
        return []

    def answer(self) -> dict[str, Any]:
        kana = KANA_SPACE.join(part.reading for part in self._parts)
        if not any(part.spelling for part in self._parts):
            return name_answer(kana, None, False)
        kanji = KANA_SPACE.join(part.spelling or part.reading for part in self._parts)
        return name_answer(kana, kanji, all(part.confirmed for part in self._parts))

    # -- what the resident does -----------------------------------------------------------

    def take(self, choice: Choice) -> None:
        action = choice.action
        if action == "spelling":
            self._offer_forms(choice.text, confirmed=True)
        elif action == "form":
            self._finish(choice.text, confirmed=not self._kept_kana)
        elif action == "back":
            self._open_part()
        elif action == "not_listed":
            self.stage = Stage.NOT_LISTED
        elif action == "by_word":
            self._built, self._rest, self._kept_kana = "", self.part.reading, False
            self.stage = Stage.BY_WORD
        elif action in ("character", "kana_syllable"):
            taken = choice.value if action == "character" else self._rest[0]
            self._built += choice.text if action == "character" else taken
            self._kept_kana |= action == "kana_syllable"
            self._rest = self._rest[len(taken) :]
            if not self._rest:
                self._offer_forms(self._built, confirmed=not self._kept_kana)
        elif action == "keep_kana":
            self._finish(None, confirmed=False)
        else:
            raise ValueError(f"no such choice: {action}")

    def _offer_forms(self, spelling: str, confirmed: bool) -> None:
        forms = variant_spellings(spelling)
        if not forms:
            self._finish(spelling, confirmed)
            return
        self._kept_kana = not confirmed
        self._forms = [spelling, *forms]
        self.stage = Stage.FORMS

    def _finish(self, spelling: str | None, confirmed: bool) -> None:
        part = self.part
        part.spelling, part.confirmed = spelling, confirmed and spelling is not None
        self._at += 1
        if self._at >= len(self._parts):
            self.stage = Stage.DONE
            return
        self._open_part()

    def _open_part(self) -> None:
        found = self._lookup(self.part.kind, self.part.reading) if self.available else None
        self._offered = list(found or [])[: self._most]
        self._kept_kana = False
        self.stage = Stage.CANDIDATES if self._offered else Stage.NOT_LISTED


def typed_name(text: str, initial: object) -> object:
    """The answer of a kanji_name page left on the keyboard: the answer it opened with when it
    is unchanged (the card's kanji, a name chosen before), a name typed in kana as a NameAnswer
    that staff must confirm, anything else (a name in Latin letters) as typed."""
    if isinstance(initial, str) and text == initial:
        return text
    if is_name_answer(initial) and text == initial["kana"]:
        return initial
    if is_kana_reading(text):
        kana = KANA_SPACE.join(to_katakana(part) for part in _PARTS.split(text) if part)
        return name_answer(kana, None, False)
    return text
