"""`kiosk doctor`: what a technician checks first, each problem with how to fix it."""

from __future__ import annotations

import grp
import importlib.util
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import requests

from core.fonts import UI_FAMILY, font_file
from core.sealing import SealingError, load_public_key
from kiosk.config import DEFAULT_BACKEND_URL, KioskPaths, Settings

COMMAND_TIMEOUT_S = 10


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status.value}


def check_fonts() -> list[Check]:
    checks = []
    for family, package in ((UI_FAMILY, "fonts-noto-cjk"), ("IPAexGothic", "fonts-ipaexfont")):
        path = font_file(family)
        if path:
            checks.append(Check(f"font {family}", Status.OK, str(path)))
        else:
            checks.append(
                Check(f"font {family}", Status.FAIL, "not installed", f"apt-get install {package}")
            )
    return checks


def qt_plugin_dir() -> Path | None:
    spec = importlib.util.find_spec("PySide6")  # finds the package without importing Qt
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "Qt" / "plugins" / "platforms"


def check_qt_libraries() -> list[Check]:
    plugins = qt_plugin_dir()
    if plugins is None:
        return [
            Check(
                "Qt (PySide6)",
                Status.FAIL,
                "PySide6 is not installed",
                "run ./dev demo (it installs the Python packages)",
            )
        ]
    if shutil.which("ldd") is None:
        return [Check("Qt platform libraries", Status.WARN, "ldd not found; cannot check")]
    checks = []
    for plugin, needed_for in (
        ("libqxcb.so", "a real X11 display"),
        ("libqoffscreen.so", "kiosk tour"),
        ("libqvnc.so", "--vnc"),
    ):
        path = plugins / plugin
        if not path.exists():
            checks.append(
                Check(
                    f"Qt plugin {plugin}",
                    Status.FAIL,
                    f"missing ({needed_for})",
                    "reinstall PySide6-Essentials",
                )
            )
            continue
        try:
            output = subprocess.run(
                ["ldd", str(path)],
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            ).stdout
        except subprocess.TimeoutExpired:
            checks.append(Check(f"Qt plugin {plugin}", Status.WARN, "ldd timed out"))
            continue
        missing = sorted({line.split()[0] for line in output.splitlines() if "not found" in line})
        if missing:
            checks.append(
                Check(
                    f"Qt plugin {plugin}",
                    Status.FAIL,
                    f"needs {', '.join(missing)} (for {needed_for})",
                    "run scripts/install-system-packages as root",
                )
            )
        else:
            checks.append(Check(f"Qt plugin {plugin}", Status.OK, "all libraries present"))
    return checks


def check_display(environ: dict[str, str]) -> Check:
    display = environ.get("DISPLAY")
    if environ.get("WAYLAND_DISPLAY"):
        return Check("display", Status.OK, f"Wayland {environ['WAYLAND_DISPLAY']}")
    if display:
        number = display.split(":")[-1].split(".")[0]
        socket = Path(f"/tmp/.X11-unix/X{number}")
        if display.startswith(":") and not socket.exists():
            return Check(
                "display",
                Status.FAIL,
                f"DISPLAY={display} but no X server at {socket}",
                "start the X server, or unset DISPLAY and use --vnc",
            )
        return Check("display", Status.OK, f"X11 {display}")
    return Check(
        "display",
        Status.WARN,
        "no display (headless)",
        "use `kiosk demo --vnc`, xvfb-run, or `kiosk tour out/`",
    )


def check_serial_access() -> Check:
    ports = sorted(Path("/dev").glob("ttyUSB*")) + sorted(Path("/dev").glob("ttyACM*"))
    if not ports:
        return Check("serial ports", Status.OK, "no USB serial ports attached (simulators in use)")
    unusable = [str(port) for port in ports if not os.access(port, os.R_OK | os.W_OK)]
    if unusable:
        try:
            group = grp.getgrgid(ports[0].stat().st_gid).gr_name
        except KeyError:
            group = "dialout"
        return Check(
            "serial ports",
            Status.FAIL,
            f"no read/write access to {', '.join(unusable)}",
            f"add the kiosk user to the '{group}' group, then log in again",
        )
    return Check("serial ports", Status.OK, ", ".join(str(port) for port in ports))


def check_pcscd() -> Check:
    socket = Path("/run/pcscd/pcscd.comm")
    if socket.exists():
        return Check("pcscd (card reader service)", Status.OK, str(socket))
    return Check(
        "pcscd (card reader service)",
        Status.WARN,
        "not running",
        "apt-get install pcscd, then start it (needed for the My Number Card reader)",
    )


def check_backend(settings: Settings) -> Check:
    url = settings.backend_url.rstrip("/") + "/api/v1/health"
    try:
        response = requests.get(url, timeout=settings.request_timeout_s)
    except requests.RequestException as error:
        return Check(
            "backend",
            Status.WARN,
            f"{url} unreachable ({type(error).__name__})",
            "applications wait safely in the queue; start the backend or check KIOSK_BACKEND_URL",
        )
    if response.ok:
        return Check("backend", Status.OK, f"{url} answers")
    return Check("backend", Status.WARN, f"{url} answered HTTP {response.status_code}")


def check_sealing_key(settings: Settings) -> Check:
    if settings.practice:
        return Check("sealing key", Status.OK, "practice mode: nothing is kept")
    local = not settings.backend_token and settings.backend_url == DEFAULT_BACKEND_URL
    if settings.seal_public_key is None and local:
        # The kiosk takes the key of the backend on this machine (kiosk.wiring.sealing_key).
        return Check(
            "sealing key",
            Status.OK,
            "the local backend's key (created on first start, its fingerprint pinned)",
        )
    if settings.seal_public_key is None:
        return Check(
            "sealing key",
            Status.FAIL,
            "no seal_public_key: the kiosk refuses real applications",
            "set seal_public_key to the municipality's public key file (PEM)",
        )
    try:
        load_public_key(settings.seal_public_key)
    except SealingError as error:
        return Check(
            "sealing key",
            Status.FAIL,
            str(error),
            "point seal_public_key at the municipality's X25519 public key (PEM)",
        )
    return Check("sealing key", Status.OK, str(settings.seal_public_key))


def check_catalog(settings: Settings, paths: KioskPaths) -> Check:
    from core.catalog import CatalogError
    from core.catalog_files import load_catalog

    try:
        catalog = load_catalog(settings.municipality, settings.catalog_dir)
    except CatalogError as error:
        fallback = (
            "the kiosk runs on the last good catalog"
            if paths.catalog_snapshot.is_file()
            else "no good catalog was ever loaded: the kiosk cannot start"
        )
        return Check(
            "catalog",
            Status.FAIL,
            f"{len(error.problems)} problem(s), first: {error.problems[0]}; {fallback}",
            "run `kiosk catalog check` for every problem and fix the files",
        )
    return Check(
        "catalog",
        Status.OK,
        f"{len(catalog.procedures())} procedures, version {catalog.content_version}",
    )


def check_data_dir(paths: KioskPaths) -> Check:
    try:
        paths.create()
        probe = paths.data_dir / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return Check(
            "data folder",
            Status.FAIL,
            f"{paths.data_dir}: {error.strerror}",
            "set KIOSK_HOME to a writable folder",
        )
    free_mb = shutil.disk_usage(paths.data_dir).free // 1_000_000
    if free_mb < 100:
        return Check(
            "data folder",
            Status.FAIL,
            f"{paths.data_dir}: only {free_mb} MB free",
            "free disk space: applications cannot be saved when the disk is full",
        )
    return Check("data folder", Status.OK, f"{paths.data_dir} ({free_mb} MB free)")


def run_checks(
    settings: Settings, paths: KioskPaths, environ: dict[str, str] | None = None
) -> list[Check]:
    environ = dict(os.environ if environ is None else environ)
    return [
        *check_fonts(),
        *check_qt_libraries(),
        check_display(environ),
        check_serial_access(),
        check_pcscd(),
        check_backend(settings),
        check_sealing_key(settings),
        check_catalog(settings, paths),
        check_data_dir(paths),
    ]
