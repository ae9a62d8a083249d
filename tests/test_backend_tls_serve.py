"""`kiosk backend serve --tls-cert FILE --tls-key FILE`: HTTPS straight from uvicorn, in its
own process, and a one-line refusal of a certificate or key it cannot use."""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
import sys
import time

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from backend.paths import BackendPaths
from backend.provisioning import issue_token
from core.wire import HEALTH_PATH, STAFF_PREFIX
from tests.certificates import pem_key, self_signed
from tests.netutil import free_port

START_DEADLINE_S = 60
TIMEOUT = 10


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
