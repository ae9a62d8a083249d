"""The backend's kiosk and staff APIs over real HTTP (uvicorn on loopback), on SQLite and on
PostgreSQL."""

from __future__ import annotations

import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from backend import audit, db
from backend.catalog_bundle import CATALOG_FOLDERS, shipped_catalog
from backend.paths import BackendPaths
from backend.provisioning import issue_token
from backend.server import start_in_thread
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import (
    APPLICATIONS_PATH,
    BATCH_PATH,
    CATALOG_PATH,
    HEALTH_PATH,
    HEARTBEAT_PATH,
    MAX_BATCH,
    STAFF_PREFIX,
)
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401

TIMEOUT = 10


@dataclass
class Server:
    url: str
    database: str
    paths: BackendPaths
    catalog: Path
    kiosk_token: str
    other_kiosk_token: str
    staff_token: str

    def kiosk(self, token: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token or self.kiosk_token}"}

    @property
    def staff(self) -> dict:
        return {"Authorization": f"Bearer {self.staff_token}"}

    def application(self, kiosk_id="kiosk-01", procedure="juminhyo", answers=None, **fields):
        """A submission sealed to this backend's public key, like a kiosk makes one."""
        application_id = fields.pop("id", str(uuid.uuid4()))
        public_key = load_public_key(self.paths.keys / "public.pem")
        payload = {"procedure": procedure, "answers": answers or {"copies": 2}}
        return {
            "id": application_id,
            "kiosk_id": kiosk_id,
            "reception_number": fields.pop("reception_number", "A-001"),
            "procedure_id": procedure,
            "procedure_version": 1,
            "created_at": fields.pop("created_at", datetime.now(UTC).isoformat()),
            "sealed": seal(payload, public_key, application_id).decode(),
            **fields,
        }

    def submit(self, *applications, token=None) -> list[dict]:
        response = requests.post(
            self.url + BATCH_PATH,
            json={"applications": list(applications)},
            headers=self.kiosk(token),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def rows(self) -> int:
        engine = db.connect(self.database, migrate=False)
        try:
            with engine.connect() as connection:
                return connection.execute(
                    select(func.count()).select_from(db.applications)
                ).scalar_one()
        finally:
            engine.dispose()


@pytest.fixture
def server(tmp_path, backend_database):  # noqa: F811
    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    catalog = tmp_path / "catalog"
    for folder in CATALOG_FOLDERS:
        shutil.copytree(shipped_catalog() / folder, catalog / folder)
    tokens = [
        issue_token(backend_database, "kiosk", "kiosk-01"),
        issue_token(backend_database, "kiosk", "kiosk-02"),
        issue_token(backend_database, "staff", "clerk"),
    ]
    port = free_port()
    running = start_in_thread(
        paths, "127.0.0.1", port, database=backend_database, catalog_dir=catalog
    )
    assert running is not None, "the backend did not start"
    yield Server(running.url, backend_database, paths, catalog, *tokens)
    running.stop()
    running.server.config.app.state.engine.dispose()


def test_a_batch_answers_created_duplicate_or_rejected_per_item_in_order(server):
    first, second = server.application(), server.application()
    unopenable = server.application()
    # Sealed for another application id: the key agrees, the bound id does not.
    unopenable["sealed"] = server.application()["sealed"]
    foreign = server.application(kiosk_id="kiosk-02")
    results = server.submit(first, second, unopenable, foreign)
    assert [r["id"] for r in results] == [a["id"] for a in (first, second, unopenable, foreign)]
    assert [r["status"] for r in results] == ["created", "created", "rejected", "rejected"]
    assert "cannot be opened" in results[2]["reason"]
    assert "not the kiosk this token belongs to" in results[3]["reason"]

    changed = dict(first, reception_number="A-999")
    third = server.application()
    results = server.submit(first, changed, third, third)
    assert [r["status"] for r in results] == ["duplicate", "rejected", "created", "duplicate"]
    assert "different content" in results[1]["reason"]
    assert results[0]["reason"] is None
    assert server.rows() == 3


def test_the_same_moment_in_another_zone_is_the_same_body(server):
    application = server.application(created_at="2026-11-26T10:00:00+09:00")
    assert server.submit(application)[0]["status"] == "created"
    same_instant = dict(application, created_at="2026-11-26T01:00:00Z")
    assert server.submit(same_instant)[0]["status"] == "duplicate"


def test_a_batch_over_max_batch_is_refused_whole(server):
    applications = [server.application() for _ in range(MAX_BATCH + 1)]
    response = requests.post(
        server.url + BATCH_PATH,
        json={"applications": applications},
        headers=server.kiosk(),
        timeout=TIMEOUT,
    )
    assert response.status_code == 413
    assert server.rows() == 0


def test_the_single_endpoint_keeps_its_status_codes(server):
    application = server.application()

    def post(body, key=None, token=None):
        headers = {**server.kiosk(token), "Idempotency-Key": key or body["id"]}
        return requests.post(
            server.url + APPLICATIONS_PATH, json=body, headers=headers, timeout=TIMEOUT
        )

    assert post(application).status_code == 201
    duplicate = post(application)
    assert duplicate.status_code == 200 and duplicate.json()["status"] == "duplicate"
    different = post(dict(application, reception_number="Z-001"))
    assert different.status_code == 422 and "different content" in different.text
    assert post(server.application(), key=str(uuid.uuid4())).status_code == 422
    assert post(server.application(kiosk_id="kiosk-02")).status_code == 403
    assert post(server.application(kiosk_id="kiosk-02"), token=server.other_kiosk_token).ok
    unopenable = server.application()
    unopenable["sealed"] = "{}"
    refused = post(unopenable)
    assert refused.status_code == 422 and "cannot be opened" in refused.text
    assert server.rows() == 2


KIOSK_ENDPOINTS = [
    ("post", BATCH_PATH),
    ("post", APPLICATIONS_PATH),
    ("get", CATALOG_PATH),
    ("post", HEARTBEAT_PATH),
]
STAFF_ENDPOINTS = [
    ("get", f"{STAFF_PREFIX}/applications"),
    ("get", f"{STAFF_PREFIX}/applications/6f1c0a5e-0000-4000-8000-000000000001"),
    ("put", f"{STAFF_PREFIX}/applications/6f1c0a5e-0000-4000-8000-000000000001/status"),
    ("get", f"{STAFF_PREFIX}/kiosks"),
]


def test_every_endpoint_but_health_needs_the_right_kind_of_token(server):
    for method, path in KIOSK_ENDPOINTS + STAFF_ENDPOINTS:
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic x"}):
            response = requests.request(method, server.url + path, headers=headers, timeout=10)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    for method, path in STAFF_ENDPOINTS:
        response = requests.request(method, server.url + path, headers=server.kiosk(), timeout=10)
        assert response.status_code == 403, (method, path)
    for method, path in KIOSK_ENDPOINTS:
        response = requests.request(method, server.url + path, headers=server.staff, timeout=10)
        assert response.status_code == 403, (method, path)
    health = requests.get(server.url + HEALTH_PATH, timeout=TIMEOUT)
    assert health.ok and health.json()["status"] == "ok"


def test_catalog_has_a_strong_etag_and_answers_304_until_it_changes(server):
    first = requests.get(server.url + CATALOG_PATH, headers=server.kiosk(), timeout=TIMEOUT)
    assert first.status_code == 200
    bundle = first.json()
    assert first.headers["ETag"] == f'"{bundle["version"]}"'
    assert "procedures/juminhyo.toml" in bundle["files"]
    assert "municipalities/sample-city.toml" in bundle["files"]
    assert bundle["files"]["procedures/juminhyo.toml"] == (
        server.catalog / "procedures" / "juminhyo.toml"
    ).read_text(encoding="utf-8")

    unchanged = requests.get(
        server.url + CATALOG_PATH,
        headers={**server.kiosk(), "If-None-Match": first.headers["ETag"]},
        timeout=TIMEOUT,
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]

    procedure = server.catalog / "procedures" / "juminhyo.toml"
    procedure.write_text(procedure.read_text(encoding="utf-8") + "\n# 改訂\n", encoding="utf-8")
    changed = requests.get(
        server.url + CATALOG_PATH,
        headers={**server.kiosk(), "If-None-Match": first.headers["ETag"]},
        timeout=TIMEOUT,
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.json()["files"]["procedures/juminhyo.toml"].endswith("# 改訂\n")


def heartbeat(kiosk_id="kiosk-01", **fields):
    now = datetime.now(UTC)
    return {
        "kiosk_id": kiosk_id,
        "app_version": "0.1.0",
        "catalog_version": "abc",
        "queue_depth": 4,
        "quarantined": 1,
        "devices": {"printer": "paper_near_end", "card_reader": "ok"},
        "alerts": [{"kind": "staff_call", "at": now.isoformat(), "detail": "画面2"}],
        "sent_at": now.isoformat(),
        **fields,
    }


def test_heartbeats_are_kept_per_kiosk_and_shown_in_staff_kiosk_health(server):
    before = datetime.now(UTC)
    reply = requests.post(
        server.url + HEARTBEAT_PATH, json=heartbeat(), headers=server.kiosk(), timeout=TIMEOUT
    )
    assert reply.status_code == 200
    assert datetime.fromisoformat(reply.json()["server_time"]) >= before
    later = heartbeat(queue_depth=0, devices={"printer": "ok"}, alerts=[])
    requests.post(server.url + HEARTBEAT_PATH, json=later, headers=server.kiosk(), timeout=10)
    foreign = requests.post(
        server.url + HEARTBEAT_PATH,
        json=heartbeat("kiosk-02"),
        headers=server.kiosk(),
        timeout=TIMEOUT,
    )
    assert foreign.status_code == 403

    kiosks = requests.get(server.url + f"{STAFF_PREFIX}/kiosks", headers=server.staff, timeout=10)
    assert kiosks.status_code == 200
    [kiosk] = kiosks.json()
    assert kiosk["kiosk_id"] == "kiosk-01"
    assert (kiosk["queue_depth"], kiosk["quarantined"]) == (0, 1)
    assert kiosk["devices"] == {"printer": "ok"}
    assert datetime.fromisoformat(kiosk["last_seen"]) >= before
    assert [(a["kind"], a["detail"]) for a in kiosk["alerts"]] == [("staff_call", "画面2")]


def test_staff_list_filter_open_and_set_status(server):
    juminhyo = server.application(answers={"copies": 3, "purpose": "procedure"})
    tenkyo = server.application(procedure="tenkyo", answers={"moved_on": "2026-11-01"})
    elsewhere = server.application(kiosk_id="kiosk-02")
    server.submit(juminhyo, tenkyo)
    server.submit(elsewhere, token=server.other_kiosk_token)

    def listing(**query):
        response = requests.get(
            server.url + f"{STAFF_PREFIX}/applications",
            params=query,
            headers=server.staff,
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    everything = listing()
    assert everything["total"] == 3
    assert {item["staff_status"] for item in everything["items"]} == {"受付済"}
    assert [i["id"] for i in listing(procedure_id="tenkyo")["items"]] == [tenkyo["id"]]
    assert [i["id"] for i in listing(kiosk_id="kiosk-02")["items"]] == [elsewhere["id"]]
    assert listing(since=(datetime.now(UTC) + timedelta(hours=1)).isoformat())["total"] == 0
    assert listing(since=(datetime.now(UTC) - timedelta(hours=1)).isoformat())["total"] == 3
    page = listing(limit=2, offset=2)
    assert (page["total"], len(page["items"])) == (3, 1)

    opened = requests.get(
        server.url + f"{STAFF_PREFIX}/applications/{juminhyo['id']}",
        headers=server.staff,
        timeout=TIMEOUT,
    )
    assert opened.status_code == 200
    assert opened.json()["answers"] == {"copies": 3, "purpose": "procedure"}
    assert opened.json()["reception_number"] == "A-001"

    updated = requests.put(
        server.url + f"{STAFF_PREFIX}/applications/{juminhyo['id']}/status",
        json={"status": "処理中"},
        headers=server.staff,
        timeout=TIMEOUT,
    )
    assert updated.status_code == 200
    assert updated.json()["staff_status"] == "処理中" and updated.json()["status_changed_at"]
    assert [i["id"] for i in listing(status="処理中")["items"]] == [juminhyo["id"]]
    assert listing(status="受付済")["total"] == 2

    # 完了 needs the counter's checklist checked, from a script as from the console's page.
    status_url = server.url + f"{STAFF_PREFIX}/applications/{juminhyo['id']}/status"
    lines = opened.json()["checklist"]
    assert lines and lines[0]["text"].startswith("本人確認書類")
    keys = [line["key"] for line in lines]
    for checked in ([], keys[:-1], ["identity-forged"]):
        refused = requests.put(
            status_url,
            json={"status": "完了", "checked": checked},
            headers=server.staff,
            timeout=TIMEOUT,
        )
        assert refused.status_code == 422, refused.text
        left = refused.json()["detail"]["unchecked"]
        assert [line["key"] for line in left] == [k for k in keys if k not in checked]
    assert listing(status="処理中")["total"] == 1  # nothing changed
    done = requests.put(
        status_url,
        json={"status": "完了", "checked": keys},
        headers=server.staff,
        timeout=TIMEOUT,
    )
    assert done.status_code == 200 and done.json()["staff_status"] == "完了"
    engine = db.connect(server.database, migrate=False)
    try:
        entry = audit.entries(engine, application_id=juminhyo["id"], action="status")[0]
    finally:
        engine.dispose()
    assert entry["who"] == "clerk" and entry["detail"]["to"] == "完了"
    assert entry["detail"]["checked"] == [line["text"] for line in lines]

    unknown = f"{STAFF_PREFIX}/applications/{uuid.uuid4()}"
    assert requests.get(server.url + unknown, headers=server.staff, timeout=10).status_code == 404
    bad = requests.put(
        server.url + f"{STAFF_PREFIX}/applications/{juminhyo['id']}/status",
        json={"status": "却下"},
        headers=server.staff,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422


def test_concurrent_submissions_of_one_id_end_as_one_row(server):
    application = server.application()
    conflicting = dict(application, reception_number="A-777")
    senders = 8
    start = threading.Barrier(senders)

    def send(index: int) -> str:
        body = application if index % 2 else conflicting
        start.wait()  # all requests leave together
        if index % 4 < 2:
            return server.submit(body)[0]["status"]
        response = requests.post(
            server.url + APPLICATIONS_PATH,
            json=body,
            headers={**server.kiosk(), "Idempotency-Key": body["id"]},
            timeout=TIMEOUT,
        )
        return {201: "created", 200: "duplicate", 422: "rejected"}[response.status_code]

    with ThreadPoolExecutor(senders) as pool:
        statuses = list(pool.map(send, range(senders)))
    assert statuses.count("created") == 1
    assert server.rows() == 1
    # Whichever body won, every sender of the same body heard duplicate, the others rejected.
    winner = statuses.index("created") % 2
    for index, status in enumerate(statuses):
        if index != statuses.index("created"):
            assert status == ("duplicate" if index % 2 == winner else "rejected"), statuses


def test_openapi_describes_the_kiosk_and_staff_apis(server):
    # It describes the staff API too, so it is for staff: a token, and no CDN-loading pages.
    for path in ("/docs", "/redoc"):
        assert requests.get(server.url + path, timeout=TIMEOUT).status_code == 404
    assert requests.get(server.url + "/openapi.json", timeout=TIMEOUT).status_code == 401
    refused = requests.get(server.url + "/openapi.json", headers=server.kiosk(), timeout=TIMEOUT)
    assert refused.status_code == 403
    document = requests.get(server.url + "/openapi.json", headers=server.staff, timeout=10).json()
    paths = document["paths"]
    for path in (BATCH_PATH, APPLICATIONS_PATH, CATALOG_PATH, HEARTBEAT_PATH, HEALTH_PATH):
        assert path in paths
    assert f"{STAFF_PREFIX}/applications" in paths
    assert f"{STAFF_PREFIX}/applications/{{application_id}}" in paths
    assert "put" in paths[f"{STAFF_PREFIX}/applications/{{application_id}}/status"]
    assert f"{STAFF_PREFIX}/kiosks" in paths
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    assert {"BatchReceipt", "ApplicationDetail", "KioskHealth"} <= set(
        document["components"]["schemas"]
    )
