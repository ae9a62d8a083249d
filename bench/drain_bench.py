"""Drain benchmark: 10,000 applications queued on a kiosk, sent by the kiosk's own sync client
(batches) to `kiosk backend serve` in its own process, on SQLite and on PostgreSQL; against the
same kiosk data sent one request per application (the single-application endpoint).

The baseline sends a sample (one request each is slow: the whole 10,000 would take minutes)
and both sides are compared as applications per second.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

QUEUED = 10_000
BASELINE_SAMPLE = 500
TARGET_PER_S = 500


def _queue(store, public_key, count: int) -> None:
    from core.sealing import seal

    answers = {"copies": 2, "purpose": "procedure", "name": "山田 太郎"}
    for _ in range(count):
        store.finalize(
            procedure_id="juminhyo",
            procedure_version=1,
            letter="A",
            seal=lambda application_id: seal(
                {"procedure": "juminhyo", "procedure_version": 1, "answers": answers},
                public_key,
                application_id,
            ),
            practice=False,
        )


def _one_by_one(url: str, token: str, public_key, count: int) -> float:
    """Applications per second, one POST each (with its Idempotency-Key)."""
    import requests

    from core.sealing import seal
    from core.wire import APPLICATIONS_PATH, IDEMPOTENCY_HEADER

    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    bodies = []
    for number in range(count):
        application_id = str(uuid.uuid4())
        bodies.append(
            {
                "id": application_id,
                "kiosk_id": "kiosk-02",
                "reception_number": f"B-{number + 1:03d}",
                "procedure_id": "juminhyo",
                "procedure_version": 1,
                "created_at": datetime.now(UTC).isoformat(),
                "sealed": seal(
                    {"procedure": "juminhyo", "answers": {"copies": 2}}, public_key, application_id
                ).decode(),
            }
        )
    started = time.perf_counter()
    for body in bodies:
        response = http.post(
            url + APPLICATIONS_PATH,
            json=body,
            headers={IDEMPOTENCY_HEADER: body["id"]},
            timeout=30,
        )
        response.raise_for_status()
    return count / (time.perf_counter() - started)


def _drain_rate(database: str, scratch: Path) -> tuple[float, float]:
    from backend.paths import BackendPaths
    from backend.provisioning import issue_token
    from bench.backend_load import serve
    from core.sealing import generate_key_pair, load_public_key
    from kiosk.config import KioskPaths, load_settings
    from kiosk.events import EventBus
    from kiosk.store import KioskStore
    from kiosk.sync.worker import SyncClient

    backend = BackendPaths(scratch / "backend")
    public_key = load_public_key(generate_key_pair(backend.keys)[1])
    kiosk = KioskPaths(scratch / "config", scratch / "data", scratch / "logs")
    kiosk.create()
    store = KioskStore(kiosk.database)
    _queue(store, public_key, QUEUED)
    served = serve(backend.root, database)
    try:
        url = served.url
        token = issue_token(database, "kiosk", "kiosk-01")
        settings = load_settings(environ={}, backend_url=url, backend_token=token)
        client = SyncClient(settings, store, EventBus())
        started = time.perf_counter()
        while store.sync_counts()["queued"]:
            report = client.drain_once()
            if report.error:
                raise RuntimeError(f"drain stopped: {report.error}")
        batched = QUEUED / (time.perf_counter() - started)
        single = _one_by_one(
            url, issue_token(database, "kiosk", "kiosk-02"), public_key, BASELINE_SAMPLE
        )
    finally:
        served.stop()
    store.close()
    return batched, single


def bench_drain(database_name: str):
    from backend.local_postgres import PostgresUnavailable, running_postgres
    from bench.runner import Result

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        scratch = Path(folder)
        if database_name == "sqlite":
            batched, single = _drain_rate(f"sqlite:///{scratch / 'backend.sqlite3'}", scratch)
            note = "SQLite file, synchronous=FULL"
        else:
            try:
                with running_postgres(durable=True) as server:
                    batched, single = _drain_rate(server.create_database("bench"), scratch)
            except PostgresUnavailable as error:
                raise RuntimeError(f"PostgreSQL could not be started: {error}") from error
            note = "PostgreSQL 15 on loopback, fsync on"
    return Result(
        f"drain {QUEUED:,} queued applications ({database_name})",
        "applications/s",
        batched,
        single,
        f"one request per application ({BASELINE_SAMPLE} sent)",
        f"≥ {TARGET_PER_S}/s",
        batched >= TARGET_PER_S,
        f"{note}; the kiosk's sync client, batches of 100, real HTTP to `kiosk backend serve`;"
        " ratio = speed-up over one request each",
    )
