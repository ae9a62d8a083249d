"""Builds every part of the kiosk from Settings and wires them together (Qt-free).

The composition root (kiosk.app) calls build_services on a worker thread after the home
screen is painted; headless commands (simulate, sync, devices) call it directly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.catalog_files import load_with_last_good
from core.i18n import UiText
from core.sealing import fingerprint, load_public_key, public_key_from_pem
from devices.registry import build_printer, build_scanner
from devices.supervisor import DeviceSupervisor
from kiosk.card_reading import CardReading
from kiosk.config import DEFAULT_BACKEND_URL, KioskPaths, Settings
from kiosk.events import EventBus
from kiosk.services import Services
from kiosk.store import KioskStore
from kiosk.sync.catalog_pull import pulled_catalog_dir
from kiosk.sync.http import TokenSource
from kiosk.sync.token_file import TokenFile
from kiosk.sync.worker import SyncClient

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

log = logging.getLogger(__name__)


class LocalBackendLink(Protocol):
    """A backend on this same machine (the demo, a single-PC office), as the kiosk needs it:
    a token for this kiosk and the backend's public sealing key. The CLI provides it (it is
    the only part that knows the backend package); the kiosk never imports the backend."""

    @property
    def token_source(self) -> TokenSource: ...

    def seal_key_file(self) -> Path:
        """The backend's public sealing key (the pair created on first use)."""
        ...


def build_services(
    settings: Settings, paths: KioskPaths, local_backend: LocalBackendLink | None = None
) -> Services:
    """Every part of the kiosk, wired. local_backend: used when the settings name no token
    and the default loopback URL (see uses_local_backend)."""
    paths.create()
    local = local_backend if uses_local_backend(settings) else None
    printer = build_printer(settings.printer, paths.printer_output, settings.printer_model)
    printer.open()  # an absent printer is a status (not connected), never a failed start
    store = open_store(settings, paths)
    events = EventBus()
    # The technician's catalog_dir wins; else the catalog last pulled from the backend.
    pulled = None if settings.catalog_dir else pulled_catalog_dir(paths)
    loaded = load_with_last_good(
        settings.municipality, paths.catalog_snapshot, settings.catalog_dir or pulled
    )
    seal_key, seal_key_problem = sealing_key(
        settings, paths, loaded.catalog.municipality.seal_public_key, local
    )
    in_use = loaded.catalog.content_version
    if pulled is not None and not loaded.problems:
        in_use = store.sync_state().get("catalog_version", in_use)
    services = Services(
        settings=settings,
        paths=paths,
        catalog=loaded.catalog,
        catalog_problems=loaded.problems,
        ui=UiText.load(),
        store=store,
        printer=printer,
        events=events,
        seal_key=seal_key,
        seal_key_problem=seal_key_problem,
        sync=sync_client(settings, paths, store, events, in_use, local),
    )
    attach_devices(services, settings)
    return services


def open_store(settings: Settings, paths: KioskPaths) -> KioskStore:
    return KioskStore(
        paths.database,
        retention_days=settings.retention_days,
        recover_damaged=settings.recover_damaged_store,
    )


def sync_client(
    settings: Settings,
    paths: KioskPaths,
    store: KioskStore,
    events: EventBus,
    catalog_version: str = "",
    local_backend: LocalBackendLink | None = None,
) -> SyncClient:
    """The sync client; when the settings name no token, the local backend's, else the one
    `kiosk setup enroll` kept in its 0600 file."""
    token = (
        local_backend.token_source
        if local_backend is not None
        else TokenFile(paths.backend_token_file)
    )
    return SyncClient(
        settings, store, events, paths=paths, catalog_version=catalog_version, token_source=token
    )


def uses_local_backend(settings: Settings) -> bool:
    """No token and the default loopback URL: the backend `kiosk backend serve` runs here."""
    return not settings.backend_token and settings.backend_url == DEFAULT_BACKEND_URL


def sealing_key(
    settings: Settings,
    paths: KioskPaths,
    profile_key: str | None = None,
    local_backend: LocalBackendLink | None = None,
) -> tuple[X25519PublicKey | None, str | None]:
    """The key applications are sealed to, or (None, why not in plain words).

    In order: the seal_public_key file the technician configured; the key that came with the
    municipality profile (shipped, or pulled from the backend); on the local backend, that
    backend's key (the pair created if missing). The fingerprint must equal
    seal_key_fingerprint when that is set; otherwise a key from the profile or the local
    backend is pinned on first use, so a key swapped later is refused, not obeyed.
    """
    expected = settings.seal_key_fingerprint
    pinned = None
    if settings.seal_public_key is not None:
        source = str(settings.seal_public_key)
        key = load_public_key(settings.seal_public_key)
    elif profile_key is not None:
        source = "the municipality profile's seal_public_key"
        key = public_key_from_pem(profile_key.encode(), source)
        pinned = paths.pinned_seal_key
    elif local_backend is not None:
        path = local_backend.seal_key_file()
        source = str(path)
        key = load_public_key(path)
        pinned = paths.pinned_seal_key
    else:
        return None, None
    actual = fingerprint(key)
    if not expected and pinned is not None:
        if not pinned.is_file():
            pinned.write_text(actual + "\n", encoding="utf-8")
        expected = pinned.read_text(encoding="utf-8").strip()
    if expected and actual != expected:
        where = f"delete {pinned}" if pinned else f'set seal_key_fingerprint = "{actual}"'
        problem = (
            f"the sealing key ({source}) is not the expected one (fingerprint {actual}, "
            f"expected {expected}): no real applications are taken, practice mode still "
            f"works. If the municipality really changed its key, {where}"
        )
        log.error(problem)
        return None, problem
    return key, None


def attach_devices(services: Services, settings: Settings) -> None:
    """The scanner and the supervisor that keeps every device's status fresh."""
    scanner = build_scanner(settings.scanner, services.on_scan, services.on_scan_problem)
    devices: dict[str, object] = {"printer": services.printer}
    if scanner is not None:
        scanner.start()
        devices["scanner"] = scanner
    supervisor = DeviceSupervisor(devices, services.on_device_status)
    services.attach_devices(scanner, supervisor)
    supervisor.start()
    if settings.card_reader:
        services.card_reading = CardReading(settings.card_reader, services.events)
