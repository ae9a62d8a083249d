"""Opening an application from its sealed receipt QR (MADOGUCHI3) at the counter, before the
kiosk has synced it: the kiosk's signature checked against the key it registered (and not
revoked), the answers opened with the municipality's key and validated exactly as a sync's
(backend/kiosk_api.refusal_for), then stored once, marked 未同期, and audited.

Every refusal is one plain Japanese sentence for the clerk, and nothing is stored; the code's
content is never logged or echoed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from backend import audit, receipt_keys
from backend.bodyhash import body_sha256
from backend.db import WRITE, applications, is_postgresql
from backend.kiosk_api import refusal_for
from backend.receipt_keys import KeyStanding
from core.sealed_receipt import ReceiptCodeDamaged, SealedReceipt, parse_sealed_receipt
from core.sealing import SealingError, seal
from core.wire import StaffStatus, SubmittedApplication

log = logging.getLogger(__name__)

NOT_STORED = "保存はしていません。"


class ScanRefusal(Enum):
    """Why a sealed receipt does not open, as the clerk reads it (and the HTTP status)."""

    DAMAGED = (
        422,
        "受付票のQRコードが途中で切れているか、読み取れない部分があります。"
        + NOT_STORED
        + "もう一度読み取るか、受付番号を入力してください。",
    )
    UNKNOWN_KIOSK = (
        409,
        "この受付票を作った端末の鍵が、まだこのサーバーに届いていません。"
        + NOT_STORED
        + "端末がネットワークにつながって同期するまでお待ちください。",
    )
    REVOKED_KIOSK = (
        403,
        "この受付票を作った端末は使用を停止されています。"
        + NOT_STORED
        + "管理者に連絡してください。",
    )
    FORGED = (
        422,
        "この受付票のQRコードは、端末の署名と一致しません（傷んでいるか、作り替えられています）。"
        + NOT_STORED
        + "受付番号で探すか、管理者に連絡してください。",
    )
    OTHER_KEY = (
        422,
        "この受付票は、この自治体の鍵で封をされていません（ほかの自治体の受付票か、端末の設定の誤りです）。"
        + NOT_STORED,
    )
    OTHER_DIVISION = (
        403,
        "この受付票の申請は、担当の課の申請ではないため開けません。"
        + NOT_STORED
        + "担当の課の職員に回してください。",
    )
    NOT_AN_APPLICATION = (
        422,
        "この受付票の内容は、申請として受け付けられないものです。"
        + NOT_STORED
        + "管理者に連絡してください。",
    )

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def message(self) -> str:
        return self.value[1]


class ReceiptScanRefused(Exception):
    def __init__(self, refusal: ScanRefusal, why: str = "") -> None:
        super().__init__(refusal.name)
        self.refusal = refusal
        self.why = why  # for the log: a reason, never content


@dataclass(frozen=True)
class ScannedReceipt:
    kiosk_id: str
    application_id: str
    reception_number: str
    stored_now: bool  # False: the backend already had it (synced, or scanned before)


def _checked(receipt: SealedReceipt, engine: Engine) -> None:
    standing, keys = receipt_keys.trusted_keys(engine, receipt.kiosk_id)
    if standing is KeyStanding.UNKNOWN:
        raise ReceiptScanRefused(ScanRefusal.UNKNOWN_KIOSK)
    if standing is KeyStanding.REVOKED:
        raise ReceiptScanRefused(ScanRefusal.REVOKED_KIOSK)
    if not any(receipt.signed_by(key) for key in keys):
        raise ReceiptScanRefused(ScanRefusal.FORGED)


def _application(receipt: SealedReceipt, private_key: X25519PrivateKey) -> SubmittedApplication:
    """The application as its kiosk would submit it: the answers sealed again (at rest, as
    every stored application is) and held to the same checks as a sync."""
    try:
        payload = receipt.open(private_key)
    except SealingError:
        raise ReceiptScanRefused(ScanRefusal.OTHER_KEY) from None
    try:
        application = SubmittedApplication(
            id=receipt.application_id,
            kiosk_id=receipt.kiosk_id,
            reception_number=receipt.reception_number,
            procedure_id=payload.get("procedure"),
            procedure_version=payload.get("procedure_version"),
            created_at=receipt.created_at,
            sealed=seal(payload, private_key.public_key(), receipt.application_id).decode(),
        )
    except (ValidationError, TypeError, ValueError) as error:
        raise ReceiptScanRefused(ScanRefusal.NOT_AN_APPLICATION, type(error).__name__) from None
    reason = refusal_for(private_key, application, receipt.kiosk_id)
    if reason is not None:
        raise ReceiptScanRefused(ScanRefusal.NOT_AN_APPLICATION, reason)
    return application


def open_sealed_receipt(
    engine: Engine,
    private_key: X25519PrivateKey,
    code: str,
    *,
    who: str,
    address: str | None = None,
    may_open: Callable[[str], bool] = lambda _procedure_id: True,
) -> ScannedReceipt:
    """The application a sealed receipt names, stored (once) if the backend did not have it;
    ReceiptScanRefused otherwise, with nothing stored. may_open(procedure_id): whether the
    one scanning may see it (a clerk: their divisions' procedures), asked before it is
    stored, so that a receipt scanned at the wrong counter leaves nothing in their name."""
    try:
        receipt = parse_sealed_receipt(code)
    except ReceiptCodeDamaged:
        raise ReceiptScanRefused(ScanRefusal.DAMAGED) from None
    _checked(receipt, engine)
    application = _application(receipt, private_key)
    if not may_open(application.procedure_id):
        raise ReceiptScanRefused(ScanRefusal.OTHER_DIVISION)
    fields = application.model_dump()
    row = {
        **fields,
        "received_at": datetime.now(UTC),
        "body_sha256": body_sha256(fields),
        "staff_status": StaffStatus.RECEIVED.value,
        "status_changed_at": None,
        "unsynced": 1,
    }
    dialect_insert = postgresql.insert if is_postgresql(engine) else sqlite.insert
    statement = (
        dialect_insert(applications)
        .on_conflict_do_nothing(index_elements=[applications.c.kiosk_id, applications.c.id])
        .returning(applications.c.id)
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        stored_now = connection.execute(statement.values(**row)).first() is not None
        if stored_now:
            audit.append(
                connection,
                who=who,
                action=audit.Action.RECEIPT_OPENED,
                kiosk_id=receipt.kiosk_id,
                application_id=receipt.application_id,
                detail={"via": "receipt_qr"},
                address=address,
            )
    log.info(
        "sealed receipt of kiosk %s, application %s: %s",
        receipt.kiosk_id,
        receipt.application_id,
        "stored, not yet synced" if stored_now else "already here",
    )
    return ScannedReceipt(
        receipt.kiosk_id, receipt.application_id, receipt.reception_number, stored_now
    )
