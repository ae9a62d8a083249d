"""Usage figures end to end: simulated residents with known behaviour tap through the real
Navigator, their usage events go to the real backend (uvicorn, SQLite and PostgreSQL) on
their own endpoint, and `kiosk backend insights --json` counts exactly what was simulated.
And nothing in those events, on either side, is a resident's: no string of theirs, no
reception number, no application id."""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import text

from backend import db
from core.usage_wire import MAX_USAGE_BATCH, USAGE_PATH, UsageBatch, UsageEvent, UsageKind
from kiosk.cli.local_backend import build_services
from kiosk.navigator import Navigator
from kiosk.simulate_walk import Behaviour, SimulatedClock, walk_residents
from tests.conftest import RESIDENTS
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.sync_support import Backend, kiosk_environment, kiosk_settings

RESIDENT_COUNT = 40
KIOSK = [sys.executable, "-m", "kiosk"]


class _Discard:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


@pytest.fixture
def usage_backend(tmp_path, backend_database, monkeypatch):  # noqa: F811
    """The real backend on SQLite or PostgreSQL, in its own process (this process's token
    provisioning uses the same database)."""
    from core.sealing import generate_key_pair

    monkeypatch.setenv("KIOSK_BACKEND_DATABASE_URL", backend_database)

    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    environ["KIOSK_BACKEND_DATABASE_URL"] = backend_database
    server = Backend(tmp_path / "backend", free_port(), environ=environ)
    server.database_url = backend_database
    generate_key_pair(server.paths.keys)
    server.start()
    yield server
    server.stop()


def insights(backend: Backend, *extra: str) -> dict:
    result = subprocess.run(
        [
            *KIOSK,
            "backend",
            "insights",
            "--json",
            "--data",
            str(backend.paths.root),
            "--database",
            backend.database_url,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def stored_events(url: str) -> list[dict]:
    engine = db.connect(url, migrate=False)
    try:
        with engine.connect() as connection:
            return [
                dict(row)
                for row in connection.execute(text("SELECT * FROM usage_events")).mappings()
            ]
    finally:
        engine.dispose()


def residents_walk(services, count: int, seed: int, behaviour: Behaviour):
    """The residents at the kiosk, events handed over between taps as the Qt bridge does."""
    clock = SimulatedClock()
    navigator = Navigator(services, now=clock)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    services.events.subscribe(inbox.put)

    def deliver() -> None:
        while not inbox.empty():
            navigator.on_event(inbox.get())

    walks = walk_residents(
        count,
        navigator,
        clock,
        services.procedures(),
        _Discard(),
        seed=seed,
        behaviour=behaviour,
        deliver=deliver,
    )
    services.wait_for_devices()
    deliver()
    return walks


def test_the_figures_are_exactly_what_the_simulated_residents_did(usage_backend, kiosk_paths):
    services = build_services(kiosk_settings(usage_backend), kiosk_paths)
    try:
        walks = residents_walk(services, RESIDENT_COUNT, 16, Behaviour(abandon_rate=0.35))
        assert services.store.usage_count() > 0
        # A sync round sends the applications, then the usage events, on their own endpoint.
        assert services.sync.drain_once().error is None
        assert services.store.usage_count() == 0  # purged once the backend confirmed
    finally:
        services.close()

    found = insights(usage_backend)
    walked_away = [walk for walk in walks if walk.application is None]
    assert 0 < len(walked_away) < RESIDENT_COUNT  # both kinds of resident are in the run
    assert found["sessions"] == RESIDENT_COUNT
    expected = {
        procedure: {
            "started": sum(w.procedure_id == procedure for w in walks),
            "finished": sum(
                w.procedure_id == procedure and w.application is not None for w in walks
            ),
            "abandoned": sum(w.procedure_id == procedure and w.application is None for w in walks),
        }
        for procedure in {walk.procedure_id for walk in walks}
    }
    counted = {
        row["id"]: {key: row[key] for key in ("started", "finished", "abandoned")}
        for row in found["procedures"]
    }
    assert counted == expected
    lost = Counter((w.procedure_id, w.left_on) for w in walked_away)
    lost_counted = Counter(
        {
            (row["id"], page["id"]): page["abandoned"]
            for row in found["procedures"]
            for page in row["pages"]
            if page["abandoned"]
        }
    )
    assert lost_counted == lost
    # The behaviours besides walking away happened and were counted somewhere.
    pages = [page for row in found["procedures"] for page in row["pages"]]
    assert sum(page["refused"] for page in pages) > 0
    assert all(page["median_s"] is not None for page in pages if page["shown"])
    assert sum(row["sessions"] for row in found["languages"]) == RESIDENT_COUNT
    assert [row["sessions"] for row in found["kiosks"]] == [RESIDENT_COUNT]
    # A period before any of it holds nothing.
    earlier = (datetime.now().astimezone() - timedelta(days=3)).isoformat()
    before = insights(usage_backend, "--until", earlier)
    assert before["sessions"] == 0 and before["procedures"] == []


def _event(session: str, seq: int, **values) -> dict:
    hour = datetime.now().astimezone().replace(minute=0, second=0, microsecond=0)
    event = UsageEvent(session=session, seq=seq, kind=UsageKind.SESSION_STARTED, hour=hour)
    return {**json.loads(event.model_dump_json()), **values}


def _post(backend: Backend, body: dict, kiosk_id: str = "kiosk-01") -> requests.Response:
    return requests.post(
        backend.url + USAGE_PATH,
        json=body,
        headers={"Authorization": f"Bearer {backend.token(kiosk_id)}"},
        timeout=10,
    )


def test_the_same_batch_twice_is_counted_once(usage_backend):
    session = uuid.uuid4().hex
    events = [
        _event(session, 0, language="en", text_size="large", contrast="standard"),
        _event(session, 1, kind="procedure_started", procedure="juminhyo", detail="manual"),
        _event(session, 2, kind="procedure_abandoned", procedure="juminhyo", page="copies"),
        _event(session, 3, kind="session_ended", detail="idle"),
    ]
    body = UsageBatch.model_validate({"kiosk_id": "kiosk-01", "events": events})
    first = _post(usage_backend, json.loads(body.model_dump_json()))
    again = _post(usage_backend, json.loads(body.model_dump_json()))
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["stored"], first.json()["duplicates"]) == (4, 0)
    assert (again.json()["stored"], again.json()["duplicates"]) == (0, 4)
    found = insights(usage_backend)
    assert found["sessions"] == 1
    assert found["procedures"][0]["started"] == found["procedures"][0]["abandoned"] == 1
    assert found["languages"] == [{"id": "en", "sessions": 1, "finished": 0, "switched": 0}]


@pytest.mark.parametrize(
    "bad",
    [
        {"page": "山田"},  # free text where an identifier belongs
        {"detail": "A-012"},  # a reception number
        {"page": str(uuid.uuid4())},  # an application id
        {"seconds": -1},
        {"hour": "2026-12-05T10:30:00+09:00"},  # finer than the hour
        {"answer": "self"},  # a field the wire does not have
    ],
)
def test_a_bad_batch_is_refused_whole_with_a_plain_422_and_nothing_is_stored(usage_backend, bad):
    session = uuid.uuid4().hex
    events = [_event(session, 0), _event(session, 1, kind="session_ended", **bad)]
    response = _post(usage_backend, {"kiosk_id": "kiosk-01", "events": events})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert "detail" in response.json()
    assert stored_events(usage_backend.database_url) == []


def test_another_kiosks_events_are_refused(usage_backend):
    events = [_event(uuid.uuid4().hex, 0)]
    response = _post(usage_backend, {"kiosk_id": "kiosk-02", "events": events})
    assert response.status_code == 403
    assert stored_events(usage_backend.database_url) == []


def _residents_strings(residents: list[dict]) -> set[str]:
    found = set()
    for resident in residents:
        # What a resident enters (the file's id and note describe the test case, not them).
        for key in ("name", "kana", "birth", "postal", "address"):
            value = resident.get(key, "")
            found |= {value, value.replace(" ", "\u3000"), *value.split()}
            found.add(value.replace("-", ""))
    # Fragments too short to mean anything turn up by chance (ja, en, a page id's letters).
    return {s for s in found if len(s) >= (6 if s.isascii() else 2)}


@pytest.mark.slow
def test_no_usage_event_on_either_side_holds_anything_of_a_resident(
    live_backend, tmp_path, residents
):
    live_backend.database_url = f"sqlite:///{live_backend.paths.database}"
    home = tmp_path / "kiosk-home"
    environ = kiosk_environment(live_backend, home)
    simulated = subprocess.run(
        [
            *KIOSK,
            "simulate",
            "residents",
            str(RESIDENT_COUNT),
            "--residents",
            str(RESIDENTS),
            "--seed",
            "3",
            "--abandon-rate",
            "0.25",
            "--no-sync",
        ],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert simulated.returncode == 0, simulated.stderr
    lines = [line.split() for line in simulated.stdout.splitlines()]
    assert 0 < len(lines) < RESIDENT_COUNT  # some walked away: no line for them
    secrets = _residents_strings(residents)
    secrets |= {number for number, _ in lines} | {application_id for _, application_id in lines}

    # On the kiosk: the kept events are exactly what a sync sends (a UsageBatch of them).
    with sqlite3.connect(home / "data" / "kiosk.sqlite3") as connection:
        kept = [row[0] for row in connection.execute("SELECT event FROM usage_events")]
    assert kept
    events = [UsageEvent.model_validate_json(row) for row in kept]
    payloads = "".join(
        UsageBatch(kiosk_id="kiosk-01", events=events[at : at + MAX_USAGE_BATCH]).model_dump_json()
        for at in range(0, len(events), MAX_USAGE_BATCH)
    )
    assert [s for s in secrets if s in payloads] == []

    sent = subprocess.run(
        [*KIOSK, "sync", "now"], env=environ, capture_output=True, text=True, timeout=120
    )
    assert sent.returncode == 0, sent.stderr
    with sqlite3.connect(home / "data" / "kiosk.sqlite3") as connection:
        assert connection.execute("SELECT count(*) FROM usage_events").fetchone()[0] == 0
    rows = stored_events(live_backend.database_url)
    assert len(rows) == len(kept)
    stored = json.dumps(rows, default=str, ensure_ascii=False)
    assert [s for s in secrets if s in stored] == []
    found = insights(live_backend)
    assert found["sessions"] == RESIDENT_COUNT
    assert sum(row["finished"] for row in found["procedures"]) == len(lines)


def test_the_kiosk_keeps_its_events_when_the_backend_is_away(kiosk_paths, live_backend):
    settings = kiosk_settings(live_backend, backend_url=f"http://127.0.0.1:{free_port()}")
    services = build_services(settings, kiosk_paths)
    try:
        residents_walk(services, 3, 1, Behaviour())
        kept = services.store.usage_count()
        report = services.sync.send_usage()
        assert report.error and report.sent == 0
        assert services.store.usage_count() == kept > 0
    finally:
        services.close()


def _simulate(home, *extra: str) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    environ |= {"KIOSK_HOME": str(home), "KIOSK_PRINTER": "sim"}
    return subprocess.run(
        [*KIOSK, "simulate", "residents", "12", "--practice", "--no-sync", *extra],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_abandon_rate_is_repeated_exactly_under_a_seed(tmp_path):
    first = _simulate(tmp_path / "one", "--seed", "9", "--abandon-rate", "0.5")
    again = _simulate(tmp_path / "two", "--seed", "9", "--abandon-rate", "0.5")
    assert first.returncode == again.returncode == 0, first.stderr
    numbers = [line.split()[0] for line in first.stdout.splitlines()]
    assert numbers == [line.split()[0] for line in again.stdout.splitlines()]
    assert 0 < len(numbers) < 12
    assert f"({12 - len(numbers)} walked away)" in first.stderr
    refused = _simulate(tmp_path / "three", "--abandon-rate", "1.5")
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1].startswith("kiosk simulate residents:")
