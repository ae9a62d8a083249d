"""Finalize benchmark: the kiosk's one-transaction finalize (application, outbox, audit,
reception number) against a raw sqlite3 insert of one row with the same PRAGMAs (WAL,
synchronous=FULL), both committing to disk; p95 over many applications, sides alternating."""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

SEALED = b'{"v":1,"ct":"' + b"A" * 600 + b'"}'  # the size of a typical sealed envelope


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _raw_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE applications (id TEXT PRIMARY KEY, reception_number TEXT, "
        "procedure_id TEXT, procedure_version INTEGER, created_at TEXT, practice INTEGER, "
        "sealed BLOB, status TEXT)"
    )
    return connection


def _raw_insert(connection: sqlite3.Connection, number: int) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO applications VALUES (?, ?, 'juminhyo', 1, ?, 0, ?, 'finalized')",
        (str(uuid.uuid4()), f"A-{number:03d}", "2026-11-27T09:00:00+09:00", SEALED),
    )
    connection.execute("COMMIT")


def bench_finalize(repeat: int):
    from bench.runner import Result
    from kiosk.store import KioskStore

    count = max(repeat, 5) * 60
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        store = KioskStore(Path(scratch) / "kiosk.sqlite3")
        raw = _raw_connection(Path(scratch) / "raw.sqlite3")
        finalize_times, raw_times = [], []
        for number in range(count):
            started = time.perf_counter()
            store.finalize(
                procedure_id="juminhyo",
                procedure_version=1,
                letter="A",
                seal=lambda _id: SEALED,
                practice=False,
            )
            finalize_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            _raw_insert(raw, number)
            raw_times.append(time.perf_counter() - started)
        store.close()
        raw.close()
    project, baseline = _p95(finalize_times), _p95(raw_times)
    return Result(
        "finalize: one application committed, p95",
        "ms",
        project * 1000,
        baseline * 1000,
        "raw sqlite3 insert, same PRAGMAs",
        "ratio ≤ 1.5",
        project / baseline <= 1.5,
        f"{count} applications each side, alternating; finalize writes the application, its "
        f"outbox entry, an audit row and the day's counter in one transaction; medians "
        f"{statistics.median(finalize_times) * 1000:.2f} vs "
        f"{statistics.median(raw_times) * 1000:.2f} ms",
    )
