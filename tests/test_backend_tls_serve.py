"""`kiosk backend serve --tls-cert FILE --tls-key FILE`: HTTPS straight from uvicorn, in its
own process, and a one-line refusal of a certificate or key it cannot use."""

from __future__ import annotations

import http.client
import ipaddress
import json
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.paths import BackendPaths
from backend.provisioning import issue_token
from core.wire import HEALTH_PATH, STAFF_PREFIX
from tests.netutil import free_port

START_DEADLINE_S = 60
TIMEOUT = 10


def pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def self_signed(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by its own key (as a municipality's own CA would)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "madoguchi backend")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "backend.crt", folder / "backend.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(pem_key(key))
    return str(cert_path), str(key_path)


def https_get(port: int, path: str, cert: str, token: str | None = None) -> tuple[int, dict]:
    """One GET over a connection closed at once (a TLS connection a client leaves open, as a
    requests response kept alive by a reference cycle does, holds up the server's stop)."""
    context = ssl.create_default_context(cafile=cert)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=TIMEOUT)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def serve(data, port: int, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "kiosk", "backend", "serve", "--data", str(data)]
    return subprocess.Popen(
        [*command, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def https_backend(tmp_path):
    cert, key = self_signed(tmp_path)
    data = tmp_path / "backend"
    port = free_port()
    process = serve(data, port, "--tls-cert", cert, "--tls-key", key)
    url = f"https://127.0.0.1:{port}"
    end = time.monotonic() + START_DEADLINE_S
    try:
        while True:
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < end, "the HTTPS backend did not start"
            try:
                if https_get(port, HEALTH_PATH, cert)[0] == 200:
                    break
            except OSError:  # refused until it listens
                time.sleep(0.1)  # polling for the server to listen, with a deadline
        yield url, cert, BackendPaths(data), port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_speaks_https_with_the_given_certificate_and_nothing_else(https_backend):
    url, cert, paths, port = https_backend
    token = issue_token(paths, "staff", "clerk")
    status, health = https_get(port, HEALTH_PATH, cert)
    assert status == 200 and health["status"] == "ok"
    status, listing = https_get(port, f"{STAFF_PREFIX}/applications", cert, token)
    assert status == 200 and listing["total"] == 0
    # Only this certificate's holders are trusted, and nothing is served in the clear.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + HEALTH_PATH, timeout=TIMEOUT)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=TIMEOUT)


def refusal(tmp_path, *options: str) -> str:
    process = serve(tmp_path / "backend", free_port(), *options)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    return stderr


def test_a_certificate_it_cannot_use_is_one_line_and_exit_2(tmp_path):
    cert, key = self_signed(tmp_path)
    assert "go together" in refusal(tmp_path, "--tls-cert", cert)
    assert "go together" in refusal(tmp_path, "--tls-key", key)
    other_key = tmp_path / "other.key"
    other_key.write_bytes(pem_key(ec.generate_private_key(ec.SECP256R1())))
    mismatched = refusal(tmp_path, "--tls-cert", cert, "--tls-key", str(other_key))
    assert "cannot use certificate" in mismatched
    missing = refusal(tmp_path, "--tls-cert", str(tmp_path / "none.crt"), "--tls-key", key)
    assert "none.crt" in missing
