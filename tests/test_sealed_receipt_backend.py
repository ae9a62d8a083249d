"""The backend opens a sealed receipt QR (MADOGUCHI3, issue 14) through the staff API's /receipt,
on a real uvicorn backend over SQLite and PostgreSQL: only when signed by a key its kiosk
registered (and still holds a token for), sealed to this municipality, and a valid application;
stored once, marked unsynced, and the kiosk's later sync is the same application."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from backend import db
from backend.keys import load_private_key
from backend.provisioning import issue_token
from backend.receipt_scan import ReceiptScanRefused, ScanRefusal, open_sealed_receipt
from backend.tokens import revoke
from core.sealed_receipt import seal_receipt
from core.sealing import load_public_key
from core.wire import RECEIPT_KEY_PATH, STAFF_PREFIX
from kiosk.receipt_signing import public_key_text
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.test_backend_api import TIMEOUT, server  # noqa: F401

NOT_STORED = "保存はしていません"


def register(server, signer, kiosk_id="kiosk-01", token=None) -> requests.Response:  # noqa: F811
    return requests.put(
        server.url + RECEIPT_KEY_PATH,
        json={"kiosk_id": kiosk_id, "public_key": public_key_text(signer)},
        headers=server.kiosk(token),
        timeout=TIMEOUT,
    )


def sealed(server, signer, *, recipient=None, kiosk_id="kiosk-01", answers=None, **fields):  # noqa: F811
    """A receipt code as the kiosk prints it, and the submission its sync would send later."""
    application_id = fields.pop("id", str(uuid.uuid4()))
    created = fields.pop("created_at", datetime.now(UTC))
    answers = answers or {"copies": 2, "purpose": "work"}
    code = seal_receipt(
        kiosk_id=kiosk_id,
        reception_number=fields.pop("reception_number", "A-001"),
        application_id=application_id,
        created_at=created,
        payload={
            "procedure": "juminhyo",
            "procedure_version": 1,
            "kiosk": kiosk_id,
            "answers": answers,
        },
        recipient=recipient or load_public_key(server.paths.keys / "public.pem"),
        signer=signer,
    )
    submission = server.application(
        kiosk_id=kiosk_id,
        id=application_id,
        created_at=created.isoformat(),
        answers=answers,
    )
    return code, submission


def scan(server, code: str) -> requests.Response:  # noqa: F811
    return requests.get(
        server.url + f"{STAFF_PREFIX}/receipt",
        params={"code": code},
        headers=server.staff,
        timeout=TIMEOUT,
    )


def stored(server) -> list:  # noqa: F811
    engine = db.connect(server.database, migrate=False)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(
                    db.applications.c.id,
                    db.applications.c.unsynced,
                    db.applications.c.sync_differs,
                )
            ).all()
    finally:
        engine.dispose()


def audit_actions(server) -> list[str]:  # noqa: F811
    engine = db.connect(server.database, migrate=False)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(db.staff_audit.c.action).order_by(db.staff_audit.c.id)
                ).scalars()
            )
    finally:
        engine.dispose()


def refused(response: requests.Response, status: int, reason: str) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert detail["reason"] == reason
    assert NOT_STORED in detail["message"]
    return detail["message"]


def test_the_key_is_registered_once_and_only_by_its_own_kiosk(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    first = register(server, signer)
    assert first.status_code == 200 and first.json()["registered"] is True
    again = register(server, signer)
    assert again.status_code == 200 and again.json()["registered"] is False
    assert register(server, signer, kiosk_id="kiosk-02").status_code == 403
    bad = requests.put(
        server.url + RECEIPT_KEY_PATH,
        json={"kiosk_id": "kiosk-01", "public_key": "A" * 42},
        headers=server.kiosk(),
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422
    staff = requests.put(
        server.url + RECEIPT_KEY_PATH,
        json={"kiosk_id": "kiosk-01", "public_key": public_key_text(signer)},
        headers=server.staff,
        timeout=TIMEOUT,
    )
    assert staff.status_code == 403


def test_a_sealed_receipt_opens_once_unsynced_then_its_sync_is_the_same_application(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    assert register(server, signer).status_code == 200
    code, submission = sealed(server, signer, answers={"copies": 3, "purpose": "work"})

    opened = scan(server, code)
    assert opened.status_code == 200, opened.text
    assert opened.json()["answers"] == {"copies": 3, "purpose": "work"}
    assert opened.json()["unsynced"] is True
    again = scan(server, code)  # scanned twice: the same one, nothing stored twice
    assert again.status_code == 200 and again.json()["id"] == submission["id"]
    assert stored(server) == [(submission["id"], 1, 0)]
    assert audit_actions(server).count("receipt_opened") == 1

    [result] = server.submit(submission)
    assert result["status"] == "created", result
    assert stored(server) == [(submission["id"], 0, 0)]
    assert server.submit(submission)[0]["status"] == "duplicate"
    after = scan(server, code)
    assert after.status_code == 200 and after.json()["unsynced"] is False
    assert server.rows() == 1
    assert "receipt_synced" in audit_actions(server)


def test_a_sync_with_different_answers_is_flagged_never_a_second_row(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    register(server, signer)
    code, submission = sealed(server, signer, answers={"copies": 1})
    assert scan(server, code).status_code == 200
    changed = server.application(
        id=submission["id"], created_at=submission["created_at"], answers={"copies": 9}
    )
    assert server.submit(changed)[0]["status"] == "created"
    assert server.submit(changed)[0]["status"] == "duplicate"  # a lost ack, sent again
    assert stored(server) == [(submission["id"], 0, 1)]
    shown = scan(server, code).json()
    # Staff keep seeing what they opened; the kiosk's body is kept beside it, flagged.
    assert shown["answers"] == {"copies": 1} and shown["sync_differs"] is True
    assert server.rows() == 1


def test_an_unknown_kiosk_is_told_plainly_and_nothing_is_stored(server):  # noqa: F811
    code, _ = sealed(server, Ed25519PrivateKey.generate())  # key never registered
    message = refused(scan(server, code), 409, "unknown_kiosk")
    assert "端末がネットワークにつながって同期するまでお待ちください" in message
    assert server.rows() == 0


def test_a_forged_signature_is_refused(server):  # noqa: F811
    register(server, Ed25519PrivateKey.generate())
    code, _ = sealed(server, Ed25519PrivateKey.generate())  # signed by another key
    refused(scan(server, code), 422, "forged")
    assert server.rows() == 0


def test_another_municipalitys_key_is_refused(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    register(server, signer)
    elsewhere = X25519PrivateKey.generate().public_key()
    code, _ = sealed(server, signer, recipient=elsewhere)
    refused(scan(server, code), 422, "other_key")
    assert server.rows() == 0


def test_a_revoked_kiosk_is_refused(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    token = issue_token(server.database, "kiosk", "kiosk-05")
    assert register(server, signer, kiosk_id="kiosk-05", token=token).status_code == 200
    code, _ = sealed(server, signer, kiosk_id="kiosk-05")
    engine = db.connect(server.database, migrate=False)
    try:
        assert revoke(engine, "kiosk", "kiosk-05") == 1
    finally:
        engine.dispose()
    refused(scan(server, code), 403, "revoked_kiosk")
    assert server.rows() == 0


def test_a_truncated_or_damaged_code_is_refused(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    register(server, signer)
    code, _ = sealed(server, signer)
    for damaged in (code[:-9], code[:80], code[:-1] + ("A" if code[-1] != "A" else "B")):
        response = scan(server, damaged)
        assert response.status_code == 422, response.text
        assert response.json()["detail"]["reason"] in {"damaged", "forged"}
        assert NOT_STORED in response.json()["detail"]["message"]
    assert server.rows() == 0


def test_an_application_the_backend_refuses_from_a_sync_is_refused_from_a_receipt(server):  # noqa: F811
    signer = Ed25519PrivateKey.generate()
    register(server, signer)
    code = seal_receipt(
        kiosk_id="kiosk-01",
        reception_number="A-001",
        application_id=str(uuid.uuid4()),
        created_at=datetime.now(UTC),
        payload={"procedure": "juminhyo", "kiosk": "kiosk-01", "answers": {"\x00": 1}},
        recipient=load_public_key(server.paths.keys / "public.pem"),
        signer=signer,
    )
    refused(scan(server, code), 422, "not_an_application")
    assert server.rows() == 0


def test_a_receipt_of_another_division_is_refused_before_anything_is_stored(server):  # noqa: F811
    """A clerk scanning at the wrong counter: the console asks before storing (may_open), so
    nothing of the resident's is kept, nor an audit entry in that clerk's name."""
    signer = Ed25519PrivateKey.generate()
    register(server, signer)
    code, _ = sealed(server, signer)
    asked: list[str] = []

    def may_open(procedure_id: str) -> bool:
        asked.append(procedure_id)
        return False

    engine = db.connect(server.database, migrate=False)
    try:
        with pytest.raises(ReceiptScanRefused) as refusal:
            open_sealed_receipt(
                engine,
                load_private_key(server.paths, create=False),
                code,
                who="console:other-clerk",
                may_open=may_open,
            )
    finally:
        engine.dispose()
    assert refusal.value.refusal is ScanRefusal.OTHER_DIVISION
    assert NOT_STORED in ScanRefusal.OTHER_DIVISION.message
    assert asked == ["juminhyo"] and server.rows() == 0
    assert "receipt_opened" not in audit_actions(server)
