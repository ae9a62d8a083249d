"""Kana rules of the touch keyboard: ゛ and ゜ on the last kana, small kana, katakana, and the
typed text with its length limit (KanaBuffer), so that the keyboard widget only shows keys.

The kiosk has no IME: a resident types か and then ゛ for が, as on a ticket machine. What a
mark may make is limited to kana that a name or address can hold (ヷ and a bare わ゛ are not).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

import jaconv

LONG_VOWEL = "ー"
MIDDLE_DOT = "・"  # between the parts of a foreign name in katakana: ジョン・スミス
KANA_SPACE = "\u3000"  # the space of a kana name (セイ　メイ), as core.validators stores it
LATIN_SPACE = " "  # building names and 番地 in Latin letters and digits take an ordinary space
# Words a 番地 is written with, one key each beside the digits: 2丁目3番4号, 12番地,
# 101号室, 3階. Typed whole, so no resident has to find 丁 and 目 (the keyboard has no kanji).
ADDRESS_WORDS = ("丁目", "番地", "番", "号", "号室", "階")


class Mark(Enum):
    """The marks a kana key adds to the character before it, as combining characters."""

    DAKUTEN = "\u3099"  # ゛
    HANDAKUTEN = "\u309a"  # ゜


def to_katakana(text: str) -> str:
    """ひらがな → カタカナ (ゔ → ヴ, ゎ → ヮ); everything else unchanged. jaconv, as the
    validator uses, so the keyboard and the stored reading agree."""
    return jaconv.hira2kata(text)


# Voiced kana a name can hold. ゛ on わ would give ヷ, which no register accepts, so marks are
# applied only where they make one of these.
_VOICED_HIRAGANA = "がぎぐげござじずぜぞだぢづでどばびぶべぼゔ"
_SEMI_VOICED_HIRAGANA = "ぱぴぷぺぽ"
_ALLOWED = {
    Mark.DAKUTEN: frozenset(_VOICED_HIRAGANA + to_katakana(_VOICED_HIRAGANA)),
    Mark.HANDAKUTEN: frozenset(_SEMI_VOICED_HIRAGANA + to_katakana(_SEMI_VOICED_HIRAGANA)),
}
_SMALL_PAIRS = ("あぁ", "いぃ", "うぅ", "えぇ", "おぉ", "つっ", "やゃ", "ゆゅ", "よょ", "わゎ")


def _small_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for pair in _SMALL_PAIRS:
        for big, small in (pair, to_katakana(pair)):
            table[big], table[small] = small, big
    return table


_SMALL_TOGGLE = _small_table()


def with_mark(character: str, mark: Mark) -> str:
    """か + ゛ → が, は + ゜ → ぱ, ば + ゜ → ぱ; the same mark again takes it off (が + ゛ → か);
    a character that cannot carry the mark comes back unchanged (あ + ゛, か + ゜, わ + ゛)."""
    if len(character) != 1:
        return character
    decomposed = unicodedata.normalize("NFD", character)
    base, current = decomposed[0], decomposed[1:]
    if current == mark.value:
        return base
    composed = unicodedata.normalize("NFC", base + mark.value)
    return composed if composed in _ALLOWED[mark] else character


def small_toggled(character: str) -> str:
    """つ ⇄ っ, や ⇄ ゃ, わ ⇄ ゎ … (katakana too); other characters unchanged."""
    return _SMALL_TOGGLE.get(character, character)


@dataclass(frozen=True)
class KanaBuffer:
    """What the resident has typed so far, never longer than `limit` characters.

    Every change returns a new buffer; a change that is refused (a character past the limit,
    a mark the last kana cannot carry, deleting from nothing) returns this same buffer, so
    the keyboard can tell by identity that nothing happened.
    """

    text: str
    limit: int

    def __post_init__(self) -> None:
        if self.limit < 0 or len(self.text) > self.limit:
            raise ValueError(f"{len(self.text)} characters do not fit a limit of {self.limit}")

    @classmethod
    def start(cls, initial: str | None, limit: int) -> KanaBuffer:
        """A stored answer longer than today's limit is cut, not refused: the page opens."""
        return cls((initial or "")[: max(limit, 0)], limit)

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def is_full(self) -> bool:
        return len(self.text) >= self.limit

    def accepts(self, text: str) -> bool:
        return len(self.text) + len(text) <= self.limit

    def typed(self, text: str) -> KanaBuffer:
        """The text added at the end, or this buffer unchanged if it would pass the limit:
        all of it or nothing, so half a key's text never goes in."""
        if not text or not self.accepts(text):
            return self
        return KanaBuffer(self.text + text, self.limit)

    def marked(self, mark: Mark) -> KanaBuffer:
        """゛ or ゜ put on (or taken off) the last character; a full buffer still takes it,
        since が is as long as か."""
        return self._last_replaced(with_mark(self.text[-1:], mark))

    def small_toggled(self) -> KanaBuffer:
        return self._last_replaced(small_toggled(self.text[-1:]))

    def deleted(self) -> KanaBuffer:
        return KanaBuffer(self.text[:-1], self.limit) if self.text else self

    def cleared(self) -> KanaBuffer:
        return KanaBuffer("", self.limit) if self.text else self

    def _last_replaced(self, last: str) -> KanaBuffer:
        if not self.text or last == self.text[-1]:
            return self
        return KanaBuffer(self.text[:-1] + last, self.limit)
