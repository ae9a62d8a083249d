"""The reading index of Japanese names: katakana reading → kanji spellings, family (姓) and given
(名) names apart, ranked, in one SQLite file under the kiosk's data folder.

SudachiDict (the `voice` extra's dictionary) holds about 230,000 姓 and 名 entries but is looked
up by written form only. The index turns it round once — at install (`kiosk names build`) or on
first use on a background thread — and is then only queried, one indexed SELECT per reading, so
neither the kiosk's start-up nor its resident memory carries the dictionary.

Rank. Sudachi has no frequencies. SudachiPy 0.7 does not expose an entry's word cost, so it is
measured as the analyser uses it: the cost of the best path for the name alone, between 「」.
For family names that cost is a fair signal: most rare 姓 share one default (10728) and the
common ones were given less (伊東 9334, 高橋 9343). For given names it is not (花子 10250 and
高子 10047 cost more than the 9728 that 91,000 rare 名 share). So, within a reading:
1. spellings the analyser reads as one word before those it splits (SPLIT_PENALTY), and
   spellings all in kanji before those with kana (KANA_PENALTY: the resident has the kana);
2. family names by word cost, then by how common their characters are in names (_rank);
   given names by how common their characters are, then by word cost;
3. then the spelling, so that the order is total and stable.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from core.name_choice import MOST_SPELLINGS, NameKind

log = logging.getLogger(__name__)

INDEX_FILE_NAME = "name-readings.sqlite3"
SCHEMA_VERSION = 3
SPLIT_PENALTY = 1  # after every spelling that the analyser reads as one word
# A spelling with kana (さとう, たか子) after the kanji ones: the resident already has the kana,
# and 「かなのまま」 keeps it; such names are offered, but last.
KANA_PENALTY = 2
OPEN_TIMEOUT_S = 2.0  # SQLite's busy timeout: a read never waits longer on the file
_KINDS = {"姓": "family", "名": "given"}


def index_path(data_dir: Path) -> Path:
    return data_dir / INDEX_FILE_NAME


def _is_name_spelling(surface: str) -> bool:
    # Kanji, kana and the iteration mark 々; never Latin letters or digits (ＡＢＣ as 名).
    return bool(surface) and all(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or c == "々" or ord(c) > 0xFFFF
        for c in surface
    )


def _is_kanji(character: str) -> bool:
    return "\u3400" <= character <= "\u9fff" or character == "々" or ord(character) > 0xFFFF


def sudachi_names() -> Iterator[tuple[str, str, str, int, int]]:
    """(kind, katakana reading, spelling, cost) for every 姓 and 名 of SudachiDict core."""
    import sudachipy  # the voice extra; imported only to build

    dictionary = sudachipy.Dictionary(dict="core")
    try:
        tokenizer = dictionary.tokenizer(mode=sudachipy.SplitMode.C)
        for entry in dictionary.entries():
            pos = entry.part_of_speech()
            if pos[2] != "人名" or pos[3] not in _KINDS:
                continue
            spelling, reading = entry.surface(), entry.reading_form()
            if not _is_name_spelling(spelling) or not reading:
                continue
            # Between brackets: the path's cost then includes the name's own word cost
            # (SudachiPy leaves the first word's cost out of get_internal_cost).
            path = tokenizer.tokenize(f"「{spelling}」")
            penalty = (SPLIT_PENALTY if len(path) != 3 else 0) + (
                0 if all(_is_kanji(c) for c in spelling) else KANA_PENALTY
            )
            yield _KINDS[pos[3]], reading, spelling, penalty, path.get_internal_cost()
    finally:
        dictionary.close()


def build(
    target: Path,
    names: Callable[[], Iterator[tuple[str, str, str, int, int]]] = sudachi_names,
    source: str = "SudachiDict-core",
) -> int:
    """Write the index to `target` (a file beside it first, then renamed: a reader sees the
    whole index or none). Returns the number of (kind, reading, spelling) rows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial, timeout=OPEN_TIMEOUT_S)
    try:
        connection.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE names (
                kind TEXT NOT NULL, reading TEXT NOT NULL, spelling TEXT NOT NULL,
                cost INTEGER NOT NULL, penalty INTEGER NOT NULL, common REAL NOT NULL DEFAULT 0,
                PRIMARY KEY (kind, reading, spelling)
            ) WITHOUT ROWID;
            CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        )
        connection.executemany(
            "INSERT INTO names (kind, reading, spelling, penalty, cost) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, reading, spelling) "
            "DO UPDATE SET penalty = min(penalty, excluded.penalty), "
            "cost = min(cost, excluded.cost)",
            names(),
        )
        _rank(connection)
        count = connection.execute("SELECT count(*) FROM names").fetchone()[0]
        about = {"schema": str(SCHEMA_VERSION), "source": source, "rows": str(count)}
        connection.executemany("INSERT INTO about VALUES (?, ?)", about.items())
        connection.commit()
    finally:
        connection.close()
    os.replace(partial, target)
    return count


def _rank(connection: sqlite3.Connection) -> None:
    """How common a spelling's characters are in names: the mean of the logarithm of how many
    names (姓 and 名) use the rarest character and of all of them, less half a point per
    character so that a short spelling goes first (佐藤's 佐 and 藤 are in thousands of names,
    佐籐's 籐 in a few; 高子 before 太香子)."""
    names_with: dict[str, int] = {}
    for (spelling,) in connection.execute("SELECT spelling FROM names"):
        for character in set(spelling):
            names_with[character] = names_with.get(character, 0) + 1

    def common(spelling: str) -> float:
        logs = [math.log(names_with[character]) for character in spelling]
        return (min(logs) + sum(logs) / len(logs)) / 2 - 0.5 * len(spelling)

    rows = connection.execute("SELECT kind, reading, spelling FROM names").fetchall()
    connection.executemany(
        "UPDATE names SET common = ? WHERE kind = ? AND reading = ? AND spelling = ?",
        ((common(row[2]), *row) for row in rows),
    )


class NameIndex:
    """Lookups in a built index; an index not (yet) built answers None, never waits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._building: threading.Thread | None = None
        self.build_failed = False
        self.outdated = False

    @property
    def ready(self) -> bool:
        return self.path.exists()

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None:
            if not self.ready:
                return None
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(
                uri, uri=True, timeout=OPEN_TIMEOUT_S, check_same_thread=False
            )
            version = connection.execute("SELECT value FROM about WHERE key = 'schema'")
            if version.fetchone() != (str(SCHEMA_VERSION),):
                connection.close()
                self.outdated = True  # built by an older kiosk: NameLookup builds it anew
                return None
            self._connection = connection
        return self._connection

    def spellings(
        self, kind: NameKind, reading: str, limit: int = MOST_SPELLINGS
    ) -> list[str] | None:
        """The spellings of a katakana reading, most common first; None: no index to ask."""
        with self._lock:
            try:
                connection = self._connect()
                if connection is None:
                    return None
                rows = connection.execute(
                    "SELECT spelling FROM names WHERE kind = ? AND reading = ? "
                    "ORDER BY penalty, CASE kind WHEN 'family' THEN cost ELSE 0 END, common DESC, "
                    "cost, spelling LIMIT ?",
                    (kind.value, reading, limit),
                ).fetchall()
            except sqlite3.Error as error:
                # A damaged file: the resident goes on in kana. No reading in the log.
                log.warning("name index unreadable: %s", type(error).__name__)
                return None
        return [row[0] for row in rows]

    def build_in_background(
        self, names: Callable[[], Iterator[tuple[str, str, str, int, int]]] = sudachi_names
    ) -> threading.Thread | None:
        """First use: build on a daemon thread (the GUI thread never waits for it); None if
        the index is there or a build is already running."""
        if (self.ready and not self.outdated) or (
            self._building is not None and self._building.is_alive()
        ):
            return None

        def run() -> None:
            # The lowest CPU priority for this thread alone: residents' taps come first (where
            # a thread's priority cannot be set, the build still runs).
            with contextlib.suppress(AttributeError, OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            started = time.monotonic()
            try:
                rows = build(self.path, names)
            except Exception as error:  # the voice extra missing, a full disk: kana goes on
                self.build_failed = True
                log.warning("name index not built: %s: %s", type(error).__name__, error)
                return
            self.outdated = False
            log.info("name index built: %d rows in %.0f s", rows, time.monotonic() - started)

        self._building = threading.Thread(target=run, name="name-index-build", daemon=True)
        self._building.start()
        return self._building

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class NameLookup:
    """What a kanji_name page asks (core.name_choice.Lookup): the spellings of a reading, or
    None while the index is not built — the first ask starts the build in the background,
    and the resident goes on in kana meanwhile."""

    def __init__(
        self,
        data_dir: Path,
        names: Callable[[], Iterator[tuple[str, str, str, int, int]]] = sudachi_names,
        build_missing: bool = True,
    ) -> None:
        """build_missing: the first ask of a missing index builds it; the kiosk window passes
        False (`kiosk run` or `kiosk names build` builds it, never a tour or a test's window)."""
        self.index = NameIndex(index_path(data_dir))
        self._names = names
        self._build_missing = build_missing

    def __call__(self, kind: NameKind, reading: str) -> list[str] | None:
        found = self.index.spellings(kind, reading) if self.index.ready else None
        if found is None and self._build_missing and not self.index.build_failed:
            self.index.build_in_background(self._names)  # not built yet, or by an older kiosk
        return found
