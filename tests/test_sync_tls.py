"""TLS for real: the backend under uvicorn with a certificate of the municipality's own CA.
The kiosk refuses it until that CA is its `ca_bundle`, and nothing is lost meanwhile."""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn

from backend.app import create_app
from backend.paths import BackendPaths, kiosk_token
from core.sealing import generate_key_pair
from kiosk.cli.local_backend import build_services
from kiosk.config import load_settings
from tests.certificates import self_signed
from tests.helpers import finalize_juminhyo
from tests.netutil import free_port

START_DEADLINE_S = 30.0


@pytest.fixture
def tls_backend(tmp_path):
    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    cert, key = self_signed(tmp_path)
    port = free_port()
    config = uvicorn.Config(
        create_app(paths),
        host="127.0.0.1",
        port=port,
        ssl_certfile=cert,
        ssl_keyfile=key,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + START_DEADLINE_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < end, "TLS backend did not start"
        time.sleep(0.05)  # polling for the server's started flag, with a deadline
    yield paths, f"https://127.0.0.1:{port}", cert
    server.should_exit = True
    thread.join(timeout=10)


def test_the_kiosk_trusts_only_the_configured_ca(tls_backend, kiosk_paths):
    paths, url, cert = tls_backend
    settings = load_settings(
        environ={},
        backend_url=url,
        backend_token=kiosk_token(paths, "kiosk-01"),
        seal_public_key=paths.keys / "public.pem",
    )
    services = build_services(settings, kiosk_paths)
    try:
        application = finalize_juminhyo(services)
        refused = services.sync.drain_once()  # the system's CAs do not know this certificate
        assert refused.sent == 0 and "SSL" in refused.error
        assert services.store.sync_counts()["queued"] == 1

        services.sync.settings = settings.model_copy(update={"ca_bundle": cert})
        accepted = services.sync.drain_once()
        assert (accepted.sent, accepted.error) == (1, None)
        assert services.store.application(application.id)["status"] == "acknowledged"
    finally:
        services.close()
