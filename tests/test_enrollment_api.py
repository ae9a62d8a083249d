"""POST /api/v1/enroll against the real app (FastAPI with its door, on SQLite and on
PostgreSQL): one code buys one token, letter, profile and key fingerprint; used, unknown,
expired and revoked codes get one plain refusal; letters stay unique; wrong codes from an
address end in 429; everything is audited."""

from __future__ import annotations

import hashlib
import re
import tomllib
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from backend import audit, db, enrollment
from backend.app import create_app
from backend.enroll_api import EnrollmentSettings
from backend.keys import load_private_key
from backend.limits import Limits
from backend.paths import BackendPaths
from backend.ratelimit import Rate
from core.enrollment import (
    CODE_ALPHABET,
    CODE_BITS,
    CODE_LENGTH,
    KIOSK_LETTERS,
    EnrollmentReply,
    InvalidCode,
    grouped,
    normalize_code,
)
from core.wire import CATALOG_PATH, ENROLL_PATH
from tests.postgres import backend_database, postgres_server  # noqa: F401

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Backend:
    client: TestClient
    engine: object
    key: bytes
    clock: Clock
    codes: list[str] = field(default_factory=list)

    def code(self, kiosk_id: str, *, at: datetime | None = None) -> str:
        issued = enrollment.create_code(
            self.engine, self.key, kiosk_id, who="cli:test", now=at or self.clock.now
        )
        return grouped(issued.code)

    def enroll(self, code: str):
        return self.client.post(ENROLL_PATH, json={"code": code})


@pytest.fixture
def backend(tmp_path, backend_database):  # noqa: F811
    clock = Clock()
    paths = BackendPaths(tmp_path / "backend")
    app = create_app(
        paths,
        database=backend_database,
        # The door's own budget is wide here: it is the wrong-code budget these tests meet.
        limits=Limits(tokenless=Rate(100_000, 60.0)),
        enrollment=EnrollmentSettings(code_failures=Rate(5, 900.0), clock=clock),
    )
    with TestClient(app) as client:
        key = enrollment.code_key(load_private_key(paths, create=False))
        yield Backend(client, app.state.engine, key, clock)


def test_the_code_alphabet_has_no_look_alikes_and_enough_entropy():
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 30
    assert not set(CODE_ALPHABET) & set("01OIL U")  # 0/O, 1/I/L and U/V are never both there
    assert 49.06 < CODE_BITS < 49.08
    codes = {enrollment.new_code() for _ in range(2000)}
    assert len(codes) == 2000  # no repeats in 2000 draws of 49 bits
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert set("".join(codes)) == set(CODE_ALPHABET)  # every symbol is drawn
    shown = grouped("ABCDE23456")
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", shown)
    # Typed with spaces, lower case or a Japanese long-vowel mark for the hyphen: the same.
    assert normalize_code(" abcde ー 23456 ") == normalize_code(shown) == "ABCDE23456"
    with pytest.raises(InvalidCode, match="'0', 'O'"):
        normalize_code("ABCDE-234O0")


def test_a_code_buys_token_letter_profile_and_key_once(backend, tmp_path):
    code = backend.code("kiosk-07")
    answer = backend.enroll(code)
    assert answer.status_code == 200, answer.text
    reply = EnrollmentReply.model_validate(answer.json())
    assert (reply.kiosk_id, reply.kiosk_letter, reply.municipality) == (
        "kiosk-07",
        "A",
        "sample-city",
    )
    # The sealing key: its sha256 and PEM are the backend's, and the profile carries it.
    public = load_private_key(BackendPaths(tmp_path / "backend"), create=False).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert reply.seal_key_sha256 == hashlib.sha256(raw).hexdigest()
    profile = tomllib.loads(reply.municipality_profile)
    assert profile["seal_public_key"].strip() == reply.seal_public_key.strip()
    # The token is a kiosk token of that kiosk.
    bearer = {"Authorization": f"Bearer {reply.token}"}
    assert backend.client.get(CATALOG_PATH, headers=bearer).status_code == 200

    again = backend.enroll(code)
    unknown = backend.enroll("ZZZZZ-ZZZZZ")
    # Used and unknown are one answer, word for word: a code cannot be probed.
    assert again.status_code == unknown.status_code == 403
    assert again.json() == unknown.json()
    detail = again.json()["detail"]
    assert detail["reason"] == "code_refused"
    assert "使えません" in detail["message"] and "新しいコード" in detail["message"]
    assert backend.client.get(CATALOG_PATH, headers=bearer).status_code == 200  # untouched


def test_a_code_expires_after_24_hours(backend):
    code = backend.code("kiosk-08")
    late = backend.code("kiosk-08")
    backend.clock.now = START + timedelta(hours=24) - timedelta(seconds=1)
    assert backend.enroll(code).status_code == 200  # still in time
    backend.clock.now = START + timedelta(hours=24)
    refused = backend.enroll(late)
    assert refused.status_code == 403
    assert refused.json()["detail"]["reason"] == "code_refused"


def test_revoke_ends_the_token_and_the_unused_codes_and_the_kiosk_enrolls_again(backend):
    first = EnrollmentReply.model_validate(backend.enroll(backend.code("kiosk-09")).json())
    spare = backend.code("kiosk-09")
    done = enrollment.revoke(backend.engine, "kiosk-09", who="cli:test", now=START)
    assert (done.tokens, done.codes) == (1, 1)
    bearer = {"Authorization": f"Bearer {first.token}"}
    assert backend.client.get(CATALOG_PATH, headers=bearer).status_code == 401
    assert backend.enroll(spare).status_code == 403  # made before the revocation: void
    again = backend.enroll(backend.code("kiosk-09"))
    assert again.status_code == 200
    second = EnrollmentReply.model_validate(again.json())
    assert second.token != first.token and second.kiosk_letter == "A"
    assert (
        backend.client.get(
            CATALOG_PATH, headers={"Authorization": f"Bearer {second.token}"}
        ).status_code
        == 200
    )


def test_enrolling_a_kiosk_id_again_replaces_the_earlier_device(backend):
    first = EnrollmentReply.model_validate(backend.enroll(backend.code("kiosk-10")).json())
    second = EnrollmentReply.model_validate(backend.enroll(backend.code("kiosk-10")).json())
    assert second.kiosk_letter == first.kiosk_letter  # its own letter, kept
    old = {"Authorization": f"Bearer {first.token}"}
    assert backend.client.get(CATALOG_PATH, headers=old).status_code == 401


def test_letters_are_unique_first_free_and_refused_plainly_when_all_are_used(backend):
    letters = []
    for number in range(len(KIOSK_LETTERS)):
        answer = backend.enroll(backend.code(f"kiosk-{number:02d}"))
        assert answer.status_code == 200, answer.text
        letters.append(answer.json()["kiosk_letter"])
    assert letters == list(KIOSK_LETTERS)  # each the first one free
    waiting = backend.code("kiosk-99")
    full = backend.enroll(waiting)
    assert full.status_code == 409
    assert full.json()["detail"]["reason"] == "no_letter_left"
    assert "kiosk backend kiosk revoke" in full.json()["detail"]["message"]
    # The refusal did not spend the code: once a kiosk is revoked, its letter is free.
    enrollment.revoke(backend.engine, "kiosk-03", who="cli:test", now=START)
    answer = backend.enroll(waiting)
    assert answer.status_code == 200
    assert answer.json()["kiosk_letter"] == KIOSK_LETTERS[3]
    assert enrollment.letters(backend.engine)["kiosk-99"] == KIOSK_LETTERS[3]


def test_five_wrong_codes_from_an_address_then_429_even_for_a_good_one(backend):
    good = backend.code("kiosk-11")
    for _ in range(5):
        assert backend.enroll("WRONG-CODES").status_code == 403
    refused = backend.enroll(good)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 60
    assert refused.json()["detail"]["reason"] == "too_many"
    assert "分ほど待って" in refused.json()["detail"]["message"]


def test_one_code_sent_at_once_by_four_kiosks_enrolls_one(backend):
    code = backend.code("kiosk-12")

    def send(_: int) -> str:
        try:
            enrollment.exchange(backend.engine, backend.key, code, now=START, address="x")
        except enrollment.CodeRefused:
            return "refused"
        return "enrolled"

    with ThreadPoolExecutor(4) as pool:  # straight to the database, at the same moment
        outcomes = sorted(pool.map(send, range(4)))
    assert outcomes == ["enrolled", "refused", "refused", "refused"]
    with backend.engine.connect() as connection:
        kiosk_tokens = connection.execute(
            db.tokens.select().where(db.tokens.c.name == "kiosk-12")
        ).all()
    assert len(kiosk_tokens) == 1


def test_codes_enrollments_and_revocations_are_audited_and_codes_stored_hashed(backend):
    code = backend.code("kiosk-13")
    backend.enroll(code)
    enrollment.revoke(backend.engine, "kiosk-13", who="cli:admin", now=START)
    actions = [row["action"] for row in audit.entries(backend.engine, kiosk_id="kiosk-13")]
    assert actions == ["kiosk_revoked", "enrolled", "enroll_code"]
    with backend.engine.connect() as connection:
        stored = [tuple(row) for row in connection.execute(db.enrollment_codes.select())]
        entries = [tuple(row) for row in connection.execute(db.staff_audit.select())]
    plain = normalize_code(code)
    assert plain not in repr(stored) + repr(entries)
    assert hashlib.sha256(plain.encode()).hexdigest() not in repr(stored)  # keyed, not bare
