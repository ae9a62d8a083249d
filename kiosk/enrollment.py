"""Enrolling this kiosk with its backend: one exchange of a one-time code (POST /api/v1/enroll)
for the kiosk's token, id, reception letter, municipality profile and sealing key fingerprint,
then the token into its 0600 file and the settings into kiosk.toml (kiosk/config_writer.py).

Qt-free, so `kiosk setup enroll URL CODE` and the setup wizard share it. Nothing is written
unless the whole reply checks out: the profile's seal_public_key must be the key whose sha256
the backend sent, and the new kiosk.toml must validate. The code is never logged.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from core.enrollment import EnrollmentReply, EnrollmentRequest, normalize_code
from core.sealing import SealingError, public_key_from_pem
from core.wire import ENROLL_PATH
from kiosk.config import KioskPaths
from kiosk.config_writer import render, write_atomically
from kiosk.sync.http import problem
from kiosk.sync.token_file import write_token

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0


class EnrollmentFailed(Exception):
    """Nothing was written. network: the backend could not be reached or answered something
    that is not an enrollment (try again); otherwise the code or the input was refused."""

    network = False


class EnrollmentRefused(EnrollmentFailed):
    """The backend refused (reason: its word, e.g. code_refused), or the input was wrong."""

    def __init__(self, message: str, reason: str = "bad_input") -> None:
        super().__init__(message)
        self.reason = reason


class EnrollmentUnreachable(EnrollmentFailed):
    network = True


@dataclass(frozen=True)
class Enrollment:
    kiosk_id: str
    kiosk_letter: str
    municipality: str
    seal_key_fingerprint: str
    backend_url: str
    token_file: Path
    config_file: Path
    removed_backend_token: bool  # kiosk.toml had a hand-copied token; the file's wins now


def backend_base_url(text: str) -> str:
    """The backend's base URL as typed, checked: http or https, a host, no user or query."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EnrollmentRefused(
            f"'{url[:80]}' is not a backend address such as https://madoguchi.example.lg.jp"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise EnrollmentRefused("the backend address must not carry a user, password or query")
    return url


def exchange(
    url: str, code: str, *, timeout_s: float, ca_bundle: Path | None = None
) -> EnrollmentReply:
    """POST the code to url; the checked reply, or EnrollmentFailed in plain words."""
    import requests  # only for this command: the kiosk's start does not need it

    body = EnrollmentRequest(code=code).model_dump_json()
    try:
        response = requests.post(
            url + ENROLL_PATH,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
            timeout=timeout_s,
            verify=str(ca_bundle) if ca_bundle else True,
            allow_redirects=False,  # a code is sent to the address given, nowhere else
        )
    except OSError as error:  # requests' errors: refused, reset, timeout, TLS
        raise EnrollmentUnreachable(
            f"the backend at {url} did not answer ({type(error).__name__}); check the address "
            "and the network, then try again with the same code"
        ) from error
    if response.status_code == 200:
        try:
            return EnrollmentReply.model_validate_json(response.content)
        except (ValidationError, ValueError) as error:
            raise EnrollmentUnreachable(
                f"{url} answered, but not with an enrollment: is it a Madoguchi backend?"
            ) from error
    refusal = _refusal(response)
    if refusal is not None and 400 <= response.status_code < 500:
        raise EnrollmentRefused(*refusal)
    if refusal is not None:
        raise EnrollmentUnreachable(refusal[0])
    raise EnrollmentUnreachable(
        f"{url} answered HTTP {response.status_code} ({problem(response)}): is it a Madoguchi "
        "backend of this version?"
    )


def _refusal(response) -> tuple[str, str] | None:
    """The backend's (message, reason), printable, or None when it is not one of ours."""
    try:
        detail = response.json().get("detail")
        message, reason = detail["message"], detail["reason"]
    except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(message, str) or not isinstance(reason, str):
        return None
    clean = "".join(c if c.isprintable() else "?" for c in message)[:300]
    return clean, "".join(c for c in reason if c.isalnum() or c == "_")[:40]


def checked_fingerprint(reply: EnrollmentReply) -> str:
    """The sealing key's fingerprint (core.sealing.fingerprint's 16 hex), once the profile's
    seal_public_key, the key sent beside it and its sha256 all agree."""
    try:
        profile = tomllib.loads(reply.municipality_profile)
    except tomllib.TOMLDecodeError as error:
        raise EnrollmentUnreachable("the municipality profile sent is not valid TOML") from error
    profile_pem = profile.get("seal_public_key")
    if not isinstance(profile_pem, str):
        raise EnrollmentUnreachable("the municipality profile sent names no seal_public_key")
    digests = set()
    for pem, source in ((profile_pem, "profile"), (reply.seal_public_key, "reply")):
        try:
            key = public_key_from_pem(pem.encode(), f"the {source}'s seal_public_key")
        except SealingError as error:
            raise EnrollmentUnreachable(str(error)) from error
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        digests.add(hashlib.sha256(raw).hexdigest())
    if digests != {reply.seal_key_sha256}:
        raise EnrollmentUnreachable(
            "the municipality profile seals to another key than the one the backend sent: "
            "applications sealed with it could not be opened there. Nothing was written; "
            "tell the backend's administrator"
        )
    return reply.seal_key_sha256[:16]


def enroll(
    url: str,
    code: str,
    paths: KioskPaths,
    config_file: Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    ca_bundle: Path | None = None,
) -> Enrollment:
    """The whole enrollment; EnrollmentFailed (nothing written) or what was written."""
    try:
        code = normalize_code(code)
    except ValueError as error:
        raise EnrollmentRefused(str(error)) from error
    url = backend_base_url(url)
    try:
        current = config_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    render(current, {})  # a kiosk.toml the writer would refuse is said before the code is spent
    reply = exchange(url, code, timeout_s=timeout_s, ca_bundle=ca_bundle)
    fingerprint = checked_fingerprint(reply)
    had_token = "backend_token" in tomllib.loads(current)
    text = render(
        current,
        {
            "backend_url": url,
            "kiosk_id": reply.kiosk_id,
            "kiosk_letter": reply.kiosk_letter,
            "municipality": reply.municipality,
            "seal_key_fingerprint": fingerprint,
            # A token copied into kiosk.toml by hand would win over the new one.
            "backend_token": None,
        },
    )
    write_token(paths.backend_token_file, reply.token)
    mode = config_file.stat().st_mode & 0o777 if config_file.exists() else 0o600
    write_atomically(config_file, text, mode)
    log.info("enrolled as %s (letter %s) with %s", reply.kiosk_id, reply.kiosk_letter, url)
    return Enrollment(
        kiosk_id=reply.kiosk_id,
        kiosk_letter=reply.kiosk_letter,
        municipality=reply.municipality,
        seal_key_fingerprint=fingerprint,
        backend_url=url,
        token_file=paths.backend_token_file,
        config_file=config_file,
        removed_backend_token=had_token,
    )
