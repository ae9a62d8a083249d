"""What the kiosk and staff APIs accept, over real HTTP (uvicorn) on SQLite and PostgreSQL
(issue 13, findings 3, 4, 6, 7 and 8): every field bounded with a 422 naming it and never a 500,
a malformed application in a batch rejected alone, sealed answers checked once opened, readers
that skip what they cannot open, identity per kiosk, heartbeats that are bounded and cannot be
replayed, a health check that writes, and the staff audit log."""

from __future__ import annotations

import base64
import json
import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, quote_from_bytes

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import event

from backend import applications, audit, db, kiosk_health
from backend.catalog_bundle import CATALOG_FOLDERS, shipped_catalog
from backend.paths import BackendPaths
from backend.provisioning import issue_token
from backend.server import start_in_thread
from core import sealing
from core.sealing import ENVELOPE_VERSION, fingerprint, generate_key_pair, load_public_key
from core.wire import (
    APPLICATIONS_PATH,
    BATCH_PATH,
    HEALTH_PATH,
    HEARTBEAT_PATH,
    MAX_ALERTS,
    MAX_DETAIL_CHARS,
    STAFF_PREFIX,
    Heartbeat,
    SealedPayload,
    SubmittedApplication,
)
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.test_backend_api import TIMEOUT, Server
from tests.test_backend_api import heartbeat as valid_heartbeat

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def backend(tmp_path, backend_database):  # noqa: F811
    """tests/test_backend_api.py's server, with the server's engine at hand (backend.engine)."""
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
    running = start_in_thread(
        paths, "127.0.0.1", free_port(), database=backend_database, catalog_dir=catalog
    )
    assert running is not None, "the backend did not start"
    server = Server(running.url, backend_database, paths, catalog, *tokens)
    server.engine = running.server.config.app.state.engine
    yield server
    running.stop()
    server.engine.dispose()


def post_json(server: Server, path: str, body, headers: dict) -> requests.Response:
    """body as JSON the way Python writes it: lone surrogates as \\ud800, NaN as NaN."""
    return requests.post(
        server.url + path,
        data=json.dumps(body).encode("ascii"),
        headers={**headers, "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )


def assert_no_input_echoed(response: requests.Response) -> None:
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}, item  # FastAPI's shape, without the input


# --- Values an attacker or a careless kiosk sends ---------------------------------------------

offsets = st.integers(-1439, 1439).map(lambda minutes: timezone(timedelta(minutes=minutes)))
any_moment = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
).map(datetime.isoformat)
NOTABLE = [
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    2**31,
    -1,
    "\ud800",
    "A-\x00001",
    "A-001\n",
    "\x1b[2J",
    "=1+1",
    "0001-01-01T00:00:00+09:00",
    "9999-12-31T23:59:59-23:59",
    "2026-11-26T10:00:00",  # no offset: ambiguous
    "x" * 5000,
    "",
    "Ａ-００１",
    float("nan"),
    float("inf"),
    1e308,
    True,
    None,
    [],
    {},
    [1, 2, 3],
    {"answers": "x"},
]
adversarial = st.one_of(
    st.sampled_from(NOTABLE),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    any_moment,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
APPLICATION_FIELDS = [*SubmittedApplication.model_fields, "unexpected_field"]


def validated(model, body) -> bool:
    """Whether the wire model takes body as the server receives it (JSON text, parsed)."""
    try:
        model.model_validate(json.loads(json.dumps(body)))
    except ValidationError:
        return False
    return True


# --- Submissions ------------------------------------------------------------------------------


@FUZZ
@given(st.sampled_from(APPLICATION_FIELDS), adversarial)
@example("procedure_version", 2**63)
@example("created_at", "0001-01-01T00:00:00+09:00")
@example("reception_number", "A-\x00001")
@example("procedure_id", "\ud800")
@example("sealed", "{\x00}")
def test_a_malformed_application_in_a_batch_is_rejected_alone_naming_its_field(
    backend, field, value
):
    good, bad, other = backend.application(), backend.application(), backend.application()
    bad[field] = value
    response = post_json(backend, BATCH_PATH, {"applications": [good, bad, other]}, backend.kiosk())
    assert response.status_code == 200, response.text
    first, middle, last = response.json()["results"]
    assert (first["status"], last["status"]) == ("created", "created")
    if validated(SubmittedApplication, bad):
        assert middle["errors"] is None  # well-formed: refused or taken for other reasons
        return
    assert middle["status"] == "rejected" and field in middle["reason"]
    assert middle["errors"], middle
    for error in middle["errors"]:
        assert error["loc"][:4] == ["body", "applications", 1, field], error
    assert middle["id"] in ("", bad["id"])


@FUZZ
@given(st.one_of(adversarial, st.just("extra")))
@example([])
@example(None)
def test_a_malformed_batch_as_a_whole_is_a_422_naming_it(backend, value):
    body = (
        {"applications": [backend.application()], "extra": 1}
        if value == "extra"
        else {"applications": value}
    )
    response = post_json(backend, BATCH_PATH, body, backend.kiosk())
    if isinstance(value, list) and value:  # a list of malformed items: each rejected alone
        assert response.status_code == 200, response.text
        assert {r["status"] for r in response.json()["results"]} == {"rejected"}
        return
    assert response.status_code == 422, response.text
    assert_no_input_echoed(response)
    named = "extra" if value == "extra" else "applications"
    assert {e["loc"][1] for e in response.json()["detail"]} == {named}


def test_a_five_megabyte_field_is_refused_not_stored(backend):
    huge = backend.application(reception_number="A" * 5_000_000)
    good = backend.application()
    response = post_json(backend, BATCH_PATH, {"applications": [huge, good]}, backend.kiosk())
    # The body limit (backend/limits.py) may refuse it whole; if it lets it in, only it fails.
    assert response.status_code in (200, 413), response.text
    if response.status_code == 200:
        statuses = [result["status"] for result in response.json()["results"]]
        assert statuses == ["rejected", "created"]
        assert len(response.content) < 10_000  # nothing of it is sent back
    assert "A" * 100 not in {row["reception_number"] for row in listing(backend)["items"]}


@FUZZ
@given(st.sampled_from(APPLICATION_FIELDS), adversarial)
@example("created_at", "9999-12-31T23:59:59-23:59")
@example("reception_number", "\ud800")
def test_the_single_endpoint_answers_422_naming_the_field(backend, field, value):
    application = backend.application()
    key = application["id"]
    application[field] = value
    response = post_json(
        backend, APPLICATIONS_PATH, application, {**backend.kiosk(), "Idempotency-Key": key}
    )
    assert response.status_code != 500
    if validated(SubmittedApplication, application):
        assert response.status_code in (201, 403, 422), response.text
        return
    assert response.status_code == 422, response.text
    assert_no_input_echoed(response)
    for error in response.json()["detail"]:
        assert error["loc"][:2] == ["body", field], error


def seal_bytes(plaintext: bytes, backend: Server, application_id: str) -> str:
    """core.sealing.seal for any plaintext (the kiosk only ever seals JSON of a dict)."""
    recipient = load_public_key(backend.paths.keys / "public.pem")
    ephemeral = X25519PrivateKey.generate()
    key = sealing._derive(ephemeral.exchange(recipient))
    nonce = os.urandom(12)
    raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    envelope = {
        "v": ENVELOPE_VERSION,
        "kid": fingerprint(recipient),
        "epk": base64.b64encode(raw).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ct": base64.b64encode(
            AESGCM(key).encrypt(nonce, plaintext, application_id.encode())
        ).decode(),
    }
    return json.dumps(envelope)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
plaintexts = st.one_of(
    st.binary(max_size=40),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.text(max_size=8), json_values, max_size=3).map(
        lambda answers: json.dumps({"procedure": "juminhyo", "answers": answers}).encode()
    ),
)


def is_application(plaintext: bytes) -> bool:
    try:
        payload = SealedPayload.model_validate(json.loads(plaintext))
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return False
    return payload.procedure == "juminhyo" and payload.procedure_version in (None, 1)


@FUZZ
@given(plaintexts)
@example(b"[1,2,3]")
@example(b'{"answers":"x"}')
@example(b"\xff\xfe\x00garbage")
@example(b"[" * 100_000)
@example(b'{"procedure":"juminhyo","answers":{"a":"\\ud800"}}')
@example(b'{"procedure":"juminhyo","answers":{"a":NaN}}')
@example(b'{"procedure":"tenkyo","answers":{}}')
@example('{"procedure":"juminhyo","answers":{"copies":1,"名前":"𠮷野"}}'.encode())
def test_sealed_answers_are_checked_once_opened(backend, plaintext):
    application = backend.application()
    application["sealed"] = seal_bytes(plaintext, backend, application["id"])
    [result] = backend.submit(application)
    if not is_application(plaintext):
        assert result["status"] == "rejected" and result["reason"], result
        return
    assert result["status"] == "created", result
    opened = requests.get(
        backend.url + f"{STAFF_PREFIX}/applications/{application['id']}",
        headers=backend.staff,
        timeout=TIMEOUT,
    )
    assert (
        opened.status_code == 200 and opened.json()["answers"] == json.loads(plaintext)["answers"]
    )


def test_readers_skip_and_report_what_was_stored_before_the_check(backend):
    """Rows stored unchecked (by an earlier backend) must not break the staff API."""
    public_key = load_public_key(backend.paths.keys / "public.pem")
    stored = []
    for payload in ([1, 2, 3], {"answers": "x"}, {"procedure": "juminhyo", "answers": {}}):
        application_id = str(uuid.uuid4())
        stored.append(
            SubmittedApplication(
                id=application_id,
                kiosk_id="kiosk-01",
                reception_number="A-001",
                procedure_id="juminhyo",
                procedure_version=1,
                created_at=datetime.now(UTC),
                sealed=sealing.seal(payload, public_key, application_id).decode(),
            )
        )
    applications.store(backend.engine, stored)
    assert listing(backend)["total"] == 3
    for application, status in zip(stored, (409, 409, 200), strict=True):
        response = requests.get(
            backend.url + f"{STAFF_PREFIX}/applications/{application.id}",
            headers=backend.staff,
            timeout=TIMEOUT,
        )
        assert response.status_code == status, response.text
        if status == 409:
            assert "not an application" in response.json()["detail"]


# --- Identity per kiosk -----------------------------------------------------------------------


def test_another_kiosk_cannot_claim_an_id_or_learn_that_it_exists(backend):
    taken = backend.application()
    assert backend.submit(taken)[0]["status"] == "created"
    unused = backend.application()
    # kiosk-02 claims kiosk-01's applications, one received, one not: the answers are the same.
    claims = [dict(taken, reception_number="B-001"), dict(unused, reception_number="B-001")]
    results = backend.submit(*claims, token=backend.other_kiosk_token)
    assert [(r["status"], r["reason"]) for r in results] == [
        (results[0]["status"], results[0]["reason"])
    ] * 2
    assert results[0]["status"] == "rejected"
    singles = [
        requests.post(
            backend.url + APPLICATIONS_PATH,
            json=claim,
            headers={**backend.kiosk(backend.other_kiosk_token), "Idempotency-Key": claim["id"]},
            timeout=TIMEOUT,
        )
        for claim in claims
    ]
    assert [(s.status_code, s.json()) for s in singles] == [(403, singles[0].json())] * 2

    # kiosk-02 uses an id first (it printed it on a receipt, anyone could read it) …
    shared = str(uuid.uuid4())
    first = backend.application(kiosk_id="kiosk-02", id=shared, reception_number="B-002")
    assert backend.submit(first, token=backend.other_kiosk_token)[0]["status"] == "created"
    # … and kiosk-01's own application with that id is received all the same, not quarantined.
    mine = backend.application(id=shared)
    assert backend.submit(mine)[0]["status"] == "created"
    assert backend.submit(mine)[0]["status"] == "duplicate"  # a resend after a lost reply
    both = listing(backend)["items"]
    assert sorted(item["kiosk_id"] for item in both if item["id"] == shared) == [
        "kiosk-01",
        "kiosk-02",
    ]


# --- Staff API parameters ---------------------------------------------------------------------


def listing(backend: Server, **query) -> dict:
    response = requests.get(
        backend.url + f"{STAFF_PREFIX}/applications",
        params=query,
        headers=backend.staff,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


STAFF_PARAMETERS = ["status", "procedure_id", "kiosk_id", "since", "limit", "offset"]
raw_values = st.one_of(
    st.binary(max_size=30),
    st.sampled_from([str(value).encode("utf-8", "surrogatepass") for value in NOTABLE]),
    any_moment.map(str.encode),
    st.integers().map(lambda number: str(number).encode()),
)


@FUZZ
@given(st.sampled_from(STAFF_PARAMETERS), raw_values)
@example("offset", b"99999999999999999999")
@example("limit", str(2**63).encode())
@example("since", b"0001-01-01T00:00:00+09:00")
@example("kiosk_id", b"kiosk-01\x00")
@example("procedure_id", b"\xed\xa0\x80")
def test_every_staff_query_parameter_is_bounded(backend, parameter, raw):
    url = f"{backend.url}{STAFF_PREFIX}/applications?{parameter}={quote_from_bytes(raw, safe='')}"
    response = requests.get(url, headers=backend.staff, timeout=TIMEOUT)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert_no_input_echoed(response)
        assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("query", parameter)}


valid_queries = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["受付済", "処理中", "完了", "差戻し"]),
        "procedure_id": st.from_regex(r"[a-z0-9_]{1,40}", fullmatch=True),
        "kiosk_id": st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True),
        "since": st.datetimes(
            min_value=datetime(1971, 1, 1), max_value=datetime(2199, 1, 1), timezones=offsets
        ).map(datetime.isoformat),
        "limit": st.integers(1, 1000),
        "offset": st.integers(0, 10_000_000),
    },
)


@FUZZ
@given(valid_queries)
def test_every_valid_staff_query_is_answered(backend, query):
    assert listing(backend, **query)["limit"] == query.get("limit", 100)


@FUZZ
@given(st.one_of(st.binary(min_size=1, max_size=60), st.uuids().map(lambda u: str(u).encode())))
@example(b"..%2f..%2fetc")
@example(b"\x00")
def test_an_application_path_or_kiosk_is_bounded(backend, raw):
    segment = quote_from_bytes(raw, safe="")
    for url in (
        f"{backend.url}{STAFF_PREFIX}/applications/{segment}",
        f"{backend.url}{STAFF_PREFIX}/applications/{uuid.uuid4()}?kiosk_id={segment}",
    ):
        response = requests.get(url, headers=backend.staff, timeout=TIMEOUT)
        assert response.status_code in (404, 422), (url, response.text)
        if response.status_code == 422:
            assert_no_input_echoed(response)


@FUZZ
@given(adversarial)
def test_a_status_update_is_bounded(backend, value):
    url = f"{backend.url}{STAFF_PREFIX}/applications/{uuid.uuid4()}/status"
    response = requests.put(
        url,
        data=json.dumps({"status": value}).encode("ascii"),
        headers={**backend.staff, "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    expected = 404 if value in ("受付済", "処理中", "完了", "差戻し") else 422
    assert response.status_code == expected, response.text
    if expected == 422:
        assert_no_input_echoed(response)
        assert response.json()["detail"][0]["loc"][:2] == ["body", "status"]


# --- Heartbeats -------------------------------------------------------------------------------

HEARTBEAT_PLACES = [
    *Heartbeat.model_fields,
    "unexpected_field",
    "alert.kind",
    "alert.at",
    "alert.detail",
    "device.name",
    "device.state",
]


def mutated_heartbeat(place: str, value) -> tuple[dict, list]:
    beat = valid_heartbeat()
    if place.startswith("alert."):
        beat["alerts"][0][place.removeprefix("alert.")] = value
        return beat, ["body", "alerts", 0, place.removeprefix("alert.")]
    if place == "device.name":
        beat["devices"] = {str(value): "ok"}
        return beat, ["body", "devices"]
    if place == "device.state":
        beat["devices"] = {"printer": value}
        return beat, ["body", "devices"]
    beat[place] = value
    return beat, ["body", place]


@FUZZ
@given(st.sampled_from(HEARTBEAT_PLACES), adversarial)
@example("queue_depth", 2**63)
@example("sent_at", "0001-01-01T00:00:00+09:00")
@example("alert.detail", "\ud800")
@example("alert.detail", "画面\x00")
@example("device.name", "\x1b[31m")
def test_a_heartbeat_field_out_of_bounds_is_a_422_naming_it(backend, place, value):
    beat, location = mutated_heartbeat(place, value)
    response = post_json(backend, HEARTBEAT_PATH, beat, backend.kiosk())
    if validated(Heartbeat, beat):
        assert response.status_code in (200, 403), response.text
        return
    assert response.status_code == 422, response.text
    assert_no_input_echoed(response)
    for error in response.json()["detail"]:
        assert error["loc"][: len(location)] == location, error


def kiosk_view(backend: Server, kiosk_id: str = "kiosk-01") -> dict:
    response = requests.get(
        backend.url + f"{STAFF_PREFIX}/kiosks", headers=backend.staff, timeout=TIMEOUT
    )
    assert response.status_code == 200
    return next(kiosk for kiosk in response.json() if kiosk["kiosk_id"] == kiosk_id)


def beat(backend: Server, sent_at: datetime, alerts=(), **fields) -> requests.Response:
    body = valid_heartbeat(
        sent_at=sent_at.isoformat(),
        alerts=[{"kind": kind, "at": at.isoformat(), "detail": "画面1"} for kind, at in alerts],
        **fields,
    )
    response = requests.post(
        backend.url + HEARTBEAT_PATH, json=body, headers=backend.kiosk(), timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response


def test_heartbeats_are_bounded_replay_safe_and_never_ahead_of_the_server(backend, monkeypatch):
    start = datetime.now(UTC)
    first = beat(backend, start, [("staff_call", start)], queue_depth=3)
    seen = kiosk_view(backend)
    # The same heartbeat again (a replay, or a resend after a lost reply) changes nothing.
    assert beat(backend, start, [("staff_call", start)], queue_depth=3).json()
    assert kiosk_view(backend) == seen
    assert first.ok

    # The kiosk resends an alert it was not sure was delivered, with a new one.
    later = start + timedelta(seconds=1)
    beat(backend, later, [("staff_call", start), ("printer_paper_out", later)], queue_depth=1)
    view = kiosk_view(backend)
    assert view["queue_depth"] == 1
    assert sorted(a["kind"] for a in view["alerts"]) == ["printer_paper_out", "staff_call"]

    # An older heartbeat arriving late does not put the old state back.
    beat(backend, start - timedelta(seconds=5), queue_depth=99)
    assert kiosk_view(backend)["queue_depth"] == 1

    # An alert from a kiosk whose clock runs a day ahead is kept at the server's time at most,
    # so a later alert is shown above it.
    ahead = datetime.now(UTC) + timedelta(days=1)
    beat(backend, ahead, [("card_reader_absent", ahead)], queue_depth=2)
    view = kiosk_view(backend)
    future = next(a for a in view["alerts"] if a["kind"] == "card_reader_absent")
    assert datetime.fromisoformat(future["at"]) <= datetime.fromisoformat(view["last_seen"])
    now = datetime.now(UTC)
    beat(backend, now, [("staff_call", now)], queue_depth=0)  # its clock was put right
    view = kiosk_view(backend)
    assert view["queue_depth"] == 0  # heard again once its clock is right
    assert [a["kind"] for a in view["alerts"]][:2] == ["staff_call", "card_reader_absent"]

    # Bounded: per heartbeat by the wire model, per kiosk by the backend.
    moment = datetime.now(UTC).isoformat()
    too_many = valid_heartbeat(
        alerts=[{"kind": "staff_call", "at": moment, "detail": str(n)} for n in range(101)]
    )
    refused = post_json(backend, HEARTBEAT_PATH, too_many, backend.kiosk())
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "alerts"]
    assert MAX_ALERTS == 100
    long_detail = valid_heartbeat(
        alerts=[{"kind": "staff_call", "at": moment, "detail": "x" * (MAX_DETAIL_CHARS + 1)}]
    )
    assert post_json(backend, HEARTBEAT_PATH, long_detail, backend.kiosk()).status_code == 422
    monkeypatch.setattr(kiosk_health, "ALERTS_KEPT", 5)  # the server runs in this process
    base = datetime.now(UTC)
    for round_ in range(3):
        sent = base + timedelta(seconds=round_ + 1)
        beat(backend, sent, [(f"alert_{round_}_{n}", sent) for n in range(4)])
    with backend.engine.connect() as connection:
        kept = connection.execute(
            db.kiosk_alerts.select().where(db.kiosk_alerts.c.kiosk_id == "kiosk-01")
        ).all()
    assert len(kept) == 5 and {row.kind for row in kept} >= {f"alert_2_{n}" for n in range(4)}


# --- Health -----------------------------------------------------------------------------------


def test_health_answers_503_when_the_database_takes_no_writes(backend):
    assert requests.get(backend.url + HEALTH_PATH, timeout=TIMEOUT).json()["status"] == "ok"
    received = backend.application()
    backend.submit(received)
    opened_url = f"{backend.url}{STAFF_PREFIX}/applications/{received['id']}"
    postgres = db.is_postgresql(backend.engine)
    read_only = (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
        if postgres
        else "PRAGMA query_only = 1"
    )

    def refuse_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(read_only)
        cursor.close()
        if postgres:
            dbapi_connection.commit()

    # Every connection the server opens from now on reads but cannot write (a full disk, a
    # replica after a failover): SELECT 1 still works, which is what health used to ask.
    event.listen(backend.engine, "connect", refuse_writes)
    backend.engine.dispose()
    try:
        health = requests.get(backend.url + HEALTH_PATH, timeout=TIMEOUT)
        assert health.status_code == 503, health.text
        refused = post_json(
            backend, BATCH_PATH, {"applications": [backend.application()]}, backend.kiosk()
        )
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert listing(backend)["total"] == 1  # reading still works …
        # … but answers are not shown while who saw them cannot be recorded.
        unaudited = requests.get(opened_url, headers=backend.staff, timeout=TIMEOUT)
        assert unaudited.status_code == 503
    finally:
        event.remove(backend.engine, "connect", refuse_writes)
        backend.engine.dispose()
    assert requests.get(backend.url + HEALTH_PATH, timeout=TIMEOUT).status_code == 200


# --- Audit ------------------------------------------------------------------------------------


def test_opening_and_status_changes_are_audited_with_the_staff_name(backend):
    application = backend.application()
    backend.submit(application)
    base = f"{backend.url}{STAFF_PREFIX}/applications/{application['id']}"
    assert requests.get(base, headers=backend.staff, timeout=TIMEOUT).status_code == 200
    changed = requests.put(
        base + "/status", json={"status": "処理中"}, headers=backend.staff, timeout=TIMEOUT
    )
    assert changed.status_code == 200
    code = f"MADOGUCHI2:kiosk-01:A-001:{application['id']}"
    scanned = requests.get(
        f"{backend.url}{STAFF_PREFIX}/receipt?code={quote(code)}",
        headers=backend.staff,
        timeout=TIMEOUT,
    )
    assert scanned.status_code == 200
    # Nothing is recorded for what was not done.
    missing = f"{backend.url}{STAFF_PREFIX}/applications/{uuid.uuid4()}"
    assert requests.get(missing, headers=backend.staff, timeout=TIMEOUT).status_code == 404

    entries = audit.entries(backend.engine, application_id=application["id"])
    assert [(e["who"], e["action"], e["kiosk_id"]) for e in reversed(entries)] == [
        ("clerk", "open", "kiosk-01"),
        ("clerk", "status", "kiosk-01"),
        ("clerk", "open", "kiosk-01"),
    ]
    assert entries[1]["detail"] == {"from": "受付済", "to": "処理中"}
    assert entries[0]["detail"] == {"via": "receipt"}
    assert len(audit.entries(backend.engine)) == 3
