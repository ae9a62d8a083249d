"""Default provisioning: with default settings on one machine, `kiosk backend serve` and the
kiosk find each other (token from the local backend's data, its sealing key pinned on first
use); a sealing key whose fingerprint differs is refused."""

import shutil
import stat

import pytest

from core.sealing import fingerprint, generate_key_pair, load_public_key
from kiosk.cli.local_backend import build_services
from kiosk.config import load_settings
from tests.helpers import finalize_juminhyo as finalize
from tests.netutil import free_port
from tests.sync_support import Backend


@pytest.fixture
def defaults():
    return load_settings(environ={})  # default backend_url, no token, no key


def test_default_settings_use_the_local_backend_token_and_key(defaults, kiosk_paths):
    services = build_services(defaults, kiosk_paths)
    backend = Backend(kiosk_paths.data_dir / "backend", free_port())  # kiosk backend serve's
    try:
        assert services.accepting_applications()  # the local backend's key, created here
        public = backend.paths.keys / "public.pem"
        pinned = kiosk_paths.pinned_seal_key.read_text().strip()
        assert pinned == fingerprint(load_public_key(public))
        application = finalize(services)
        backend.start()
        # Same machine, same data folder; only the port differs from the default in a test.
        services.sync.settings = defaults.model_copy(update={"backend_url": backend.url})
        report = services.sync.drain_once()
        assert (report.sent, report.error) == (1, None)
        assert backend.received_ids() == [application.id]
        token_file = kiosk_paths.backend_token_file
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    finally:
        services.close()
        backend.stop()


def test_a_token_the_backend_forgot_is_provisioned_anew(defaults, kiosk_paths):
    services = build_services(defaults, kiosk_paths)
    backend = Backend(kiosk_paths.data_dir / "backend", free_port())
    try:
        finalize(services)
        kiosk_paths.backend_token_file.parent.mkdir(parents=True, exist_ok=True)
        kiosk_paths.backend_token_file.write_text("stale-token\n")
        backend.start()
        services.sync.settings = defaults.model_copy(update={"backend_url": backend.url})
        assert services.sync.drain_once().sent == 1
        assert kiosk_paths.backend_token_file.read_text().strip() != "stale-token"
    finally:
        services.close()
        backend.stop()


def test_a_swapped_local_key_is_refused_after_first_use(defaults, kiosk_paths):
    build_services(defaults, kiosk_paths).close()  # first use pins the key
    shutil.rmtree(kiosk_paths.data_dir / "backend" / "keys")  # someone replaced the key pair
    services = build_services(defaults, kiosk_paths)
    try:
        assert not services.accepting_applications()
        assert "not the expected one" in services.seal_key_problem
        assert str(kiosk_paths.pinned_seal_key) in services.seal_key_problem  # the way out
        services.set_practice(True)
        assert services.accepting_applications()  # practice still works
    finally:
        services.close()


def test_a_configured_fingerprint_refuses_any_other_key(kiosk_paths, tmp_path):
    _, public = generate_key_pair(tmp_path / "municipality")
    right = fingerprint(load_public_key(public))
    wrong = "0" * 16
    for expected, accepting in ((right, True), (wrong, False)):
        settings = load_settings(environ={}, seal_public_key=public, seal_key_fingerprint=expected)
        services = build_services(settings, kiosk_paths)
        try:
            assert services.accepting_applications() is accepting
            if not accepting:
                assert right in services.seal_key_problem
                assert "practice mode still works" in services.seal_key_problem
        finally:
            services.close()
    assert not kiosk_paths.pinned_seal_key.exists()  # a configured key is never pinned
