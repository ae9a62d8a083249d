"""Applications for the console's page tests, sent as a kiosk sends them: sealed to the
backend's public key and posted to the kiosk API with that kiosk's token."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from html import unescape

import requests

from backend.paths import BackendPaths
from backend.provisioning import issue_token
from core.sealing import load_public_key, seal
from core.wire import BATCH_PATH

TIMEOUT = 10
_tokens: dict[tuple[str, str], str] = {}


def kiosk_token(database: str, kiosk_id: str) -> str:
    key = (database, kiosk_id)
    if key not in _tokens:
        _tokens[key] = issue_token(database, "kiosk", kiosk_id)
    return _tokens[key]


def sealed(
    paths: BackendPaths,
    *,
    kiosk_id: str,
    procedure: str,
    answers: dict,
    number: str,
    created_at: datetime | None = None,
) -> dict:
    application_id = str(uuid.uuid4())
    public_key = load_public_key(paths.keys / "public.pem")
    payload = {"procedure": procedure, "answers": answers}
    return {
        "id": application_id,
        "kiosk_id": kiosk_id,
        "reception_number": number,
        "procedure_id": procedure,
        "procedure_version": 1,
        "created_at": (created_at or datetime.now(UTC)).isoformat(),
        "sealed": seal(payload, public_key, application_id).decode(),
    }


def submit(url: str, database: str, paths: BackendPaths, **fields) -> dict:
    """Send one application as kiosk fields['kiosk_id'] does; the application sent."""
    application = sealed(paths, **fields)
    response = requests.post(
        url + BATCH_PATH,
        json={"applications": [application]},
        headers={"Authorization": f"Bearer {kiosk_token(database, fields['kiosk_id'])}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "created", response.text
    return application


def qr_text(application: dict) -> str:
    return (
        f"MADOGUCHI2:{application['kiosk_id']}:{application['reception_number']}:"
        f"{application['id']}"
    )


def page_url(application: dict) -> str:
    return f"/staff/applications/{application['kiosk_id']}/{application['id']}"


TAGS = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """The page's text without tags, entities decoded, spaces collapsed."""
    return " ".join(unescape(TAGS.sub(" ", html)).split())
