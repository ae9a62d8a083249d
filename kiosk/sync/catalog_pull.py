"""Pull the municipality's catalog from the backend, with its version as the ETag.

A pulled catalog is checked by exactly the loader the kiosk uses for local files, in a staging
folder. Only a catalog that loads is put in place, by swapping one symlink (os.replace of a
link is atomic: a crash leaves the old catalog or the new one, never a mix). A bad one is
refused and the last good one stays; the problem is kept for `kiosk sync status`. The running
kiosk does not change its catalog under a resident: the pulled one is used at the next start.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from core.catalog import CatalogError
from core.catalog_files import load_catalog
from core.wire import CATALOG_PATH, CatalogBundle
from kiosk.config import KioskPaths, Settings
from kiosk.store import KioskStore
from kiosk.sync.http import BackendHttp, BackendUnreachable, problem

log = logging.getLogger(__name__)

VERSIONS_FOLDER = "catalog-versions"


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
            return self._refused(version, f"catalog {bundle.version} refused: " + problems)
        etag = response.headers.get("ETag") or f'"{bundle.version}"'
        self.store.set_sync_state(
            catalog_version=bundle.version, catalog_etag=etag, catalog_error=None
        )
        log.info("catalog %s pulled; it is used from the next start", bundle.version)
        return PullOutcome(True, bundle.version)

    def _refused(self, version: str | None, error: str) -> PullOutcome:
        log.error("catalog pull: %s (the last good catalog stays)", error)
        self.store.set_sync_state(catalog_error=error)
        return PullOutcome(False, version, error)

    def _install(self, bundle: CatalogBundle) -> str | None:
        """Stage, validate, swap in; None on success, else the problems in plain words."""
        versions = self.paths.data_dir / VERSIONS_FOLDER
        versions.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=versions))
        try:
            unsafe = _write_files(staging, bundle.files)
            if unsafe:
                return unsafe
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


def _write_files(folder: Path, files: dict[str, str]) -> str | None:
    """Write the bundle's files under folder; refuse any path that would leave it."""
    for name, text in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return f"file name {name!r} is not inside the catalog"
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return None


def pulled_catalog_dir(paths: KioskPaths) -> Path | None:
    """The pulled catalog's folder, if one was ever put in place."""
    link = paths.pulled_catalog
    return link if link.is_symlink() and link.is_dir() else None
