"""Pull the municipality's catalog from the backend, with its version as the ETag.

A pulled catalog is checked by exactly the loader the kiosk uses for local files, in a staging
folder. Only a catalog that loads is put in place, by swapping one symlink (os.replace of a
link is atomic: a crash leaves the old catalog or the new one, never a mix). A bad one is
refused and the last good one stays; the problem is kept for `kiosk sync status`. So is any
other failure of a pull (a full disk, a bug): a pull never raises. The running kiosk does not
change its catalog under a resident: the pulled one is used at the next start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from core.catalog import CatalogError
from core.catalog_files import load_catalog
from core.errors import plain
from core.wire import CATALOG_PATH, CatalogBundle
from kiosk.config import KioskPaths, Settings
from kiosk.store import KioskStore
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

log = logging.getLogger(__name__)

VERSIONS_FOLDER = "catalog-versions"
# The folders core/catalog_files.py reads, as backend/catalog_bundle.py sends them.
_SAFE_NAME = re.compile(
    r"(?:categories|life_events|municipalities|procedures)/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}\.toml",
    re.ASCII,
)
_SAFE_VERSION = re.compile(r"[A-Za-z0-9._-]{1,128}", re.ASCII)
MAX_FILES = 1000
MAX_FILE_CHARS = 1_000_000
MAX_ETAG_CHARS = 200
MAX_ERROR_CHARS = 1000  # what `kiosk sync status` shows of one problem


@dataclass(frozen=True)
class PullOutcome:
    changed: bool  # a new catalog is in place (used at the next start)
    version: str | None
    error: str | None = None


class CatalogPuller:
    def __init__(
        self, settings: Settings, paths: KioskPaths, store: KioskStore, http: BackendHttp
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.store = store
        self.http = http

    def pull(self) -> PullOutcome:
        """One pull. Whatever the backend sends, and whatever goes wrong on this side (a full
        disk, a bug), ends as an outcome with the problem recorded, never as an exception."""
        try:
            return self._pull()
        except Exception as error:
            log.exception("catalog pull failed")
            version = None
            with contextlib.suppress(Exception):
                version = self.store.sync_state().get("catalog_version")
            return self._refused(version, f"the catalog pull failed: {plain(error)}")

    def _pull(self) -> PullOutcome:
        state = self.store.sync_state()
        version = state.get("catalog_version")
        headers = {"If-None-Match": state["catalog_etag"]} if state.get("catalog_etag") else {}
        try:
            response = self.http.request("GET", CATALOG_PATH, headers=headers)
        except BackendUnreachable as error:
            return PullOutcome(False, version, str(error))  # not the catalog's fault: no record
        if response.status_code == 304:
            if state.get("catalog_error"):  # the backend is back to the catalog we have
                self.store.set_sync_state(catalog_error=None)
            return PullOutcome(False, version)
        if response.status_code != 200:
            return self._refused(version, f"HTTP {response.status_code}: {problem(response)}")
        try:
            bundle = CatalogBundle.model_validate_json(response.content)
        except (ValidationError, ValueError):
            return self._refused(version, "the backend's reply is not a catalog bundle")
        problems = self._install(bundle)
        if problems:
            return self._refused(version, f"catalog {bundle.version[:80]!r} refused: " + problems)
        etag = response.headers.get("ETag", "")
        if not etag or len(etag) > MAX_ETAG_CHARS or not etag.isprintable():
            etag = f'"{bundle.version}"'  # ours: the backend's ETag is the quoted version
        self.store.set_sync_state(
            catalog_version=bundle.version, catalog_etag=etag, catalog_error=None
        )
        log.info("catalog %s pulled; it is used from the next start", bundle.version)
        return PullOutcome(True, bundle.version)

    def _refused(self, version: str | None, error: str) -> PullOutcome:
        error = error[:MAX_ERROR_CHARS]
        log.error("catalog pull: %s (the last good catalog stays)", error)
        try:
            self.store.set_sync_state(catalog_error=error)
        except Exception:  # the store itself failing (full disk): the log has it
            log.exception("the catalog error could not be recorded")
        return PullOutcome(False, version, error)

    def _install(self, bundle: CatalogBundle) -> str | None:
        """Stage, validate, swap in; None on success, else the problems in plain words."""
        unsafe = bundle_problem(bundle)
        if unsafe:
            return unsafe
        versions = self.paths.data_dir / VERSIONS_FOLDER
        versions.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=versions))
        try:
            _write_files(staging, bundle.files)
            try:
                load_catalog(self.settings.municipality, staging)
            except CatalogError as error:
                return "; ".join(error.problems[:5])
            self._swap_in(staging)
            staging = None  # it is the current catalog now
            return None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)

    def _swap_in(self, folder: Path) -> None:
        link = self.paths.pulled_catalog
        previous = link.resolve() if link.is_symlink() else None
        temporary = link.with_name(link.name + ".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(folder, target_is_directory=True)
        os.replace(temporary, link)
        if previous is not None and previous != folder.resolve():
            shutil.rmtree(previous, ignore_errors=True)


def bundle_problem(bundle: CatalogBundle) -> str | None:
    """Why the bundle cannot be written as it is, or None.

    Only the shape the backend builds (backend/catalog_bundle.py) and the kiosk reads is
    accepted: `<folder>/<name>.toml`, one level, a short name of letters, digits, '_', '-' and
    '.'. That one rule keeps out every name a disk would refuse or misread: '..', absolute
    paths, NUL and other control characters, a name that is also a folder, a 300-character name.
    The version is kept and shown, so it is held to a short run of the same characters (the
    backend sends a SHA-256 in hex).
    """
    if not _SAFE_VERSION.fullmatch(bundle.version):
        return f"version {bundle.version[:80]!r} is not a catalog version"
    if len(bundle.files) > MAX_FILES:
        return f"{len(bundle.files)} files; a catalog has at most {MAX_FILES}"
    for name, text in bundle.files.items():
        if not _SAFE_NAME.fullmatch(name):
            return f"file name {name[:80]!r} is not a catalog file name (folder/name.toml)"
        if len(text) > MAX_FILE_CHARS:
            return f"{name}: {len(text)} characters; a catalog file has at most {MAX_FILE_CHARS}"
    return None


def _write_files(folder: Path, files: dict[str, str]) -> None:
    """Write the bundle's files (names already checked by bundle_problem) under folder."""
    for name, text in files.items():
        target = folder.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def pulled_catalog_dir(paths: KioskPaths) -> Path | None:
    """The pulled catalog's folder, if one was ever put in place."""
    link = paths.pulled_catalog
    return link if link.is_symlink() and link.is_dir() else None
