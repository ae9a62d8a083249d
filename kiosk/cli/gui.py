"""`kiosk run` and `kiosk demo`: the window first, everything else once it is painted.

Before the window only what the home screen needs is read (kiosk.first_screen); the settings
are validated, the services built and (for the demo) the local backend started by prepare(),
which kiosk.app runs after the first paint. A setting that is refused still ends the command
with its one-line reason, a moment later.
"""

from __future__ import annotations

import argparse
import os
import signal

from core.errors import CommandFailed
from kiosk.config_base import KioskPaths, Profile, resolve_paths


def demo_paths() -> KioskPaths:
    """KIOSK_HOME when set; otherwise a 'demo' folder apart from a real kiosk's data."""
    if os.environ.get("KIOSK_HOME"):
        return resolve_paths()
    root = resolve_paths().data_dir / "demo"
    return KioskPaths(root / "config", root / "data", root / "logs")


def run(args: argparse.Namespace, demo: bool) -> int:
    from kiosk import app
    from kiosk.first_screen import read_first_screen

    # From here until Qt's loop runs, SIGTERM/SIGINT wait (app.run_gui delivers them then),
    # so a stop during start-up still closes the store and stops the helper processes.
    signal.pthread_sigmask(signal.SIG_BLOCK, app.STOP_SIGNALS)
    paths = demo_paths() if demo else resolve_paths()
    paths.create()
    choices = {"profile": args.profile, "practice": args.practice}
    first = read_first_screen(paths, args.config, **choices)
    if args.vnc is None and not app.display_available():
        raise CommandFailed(app.headless_advice("demo" if demo else "run"))
    preparation = _Preparation(args, paths, choices, demo)
    try:
        return app.run_gui(
            first,
            preparation,
            paths.log_dir,
            fullscreen=not demo and first.choice.profile is Profile.KIOSK,
            vnc_port=args.vnc,
            vnc_listen_all=args.vnc_listen_all,
            first_start=first_start(args, paths, choices, demo),
        )
    finally:
        preparation.stop()


def first_start(args: argparse.Namespace, paths: KioskPaths, choices: dict, demo: bool):
    """The setup wizard's start (kiosk.app.FirstStart) when this start needs it, else None.

    `kiosk run`: when the configuration is empty — no technician PIN hash and no backend
    token (kiosk/setup_wizard.py needs_wizard). `kiosk demo`: only when MADOGUCHI_SETUP_WIZARD=1,
    since the demo provisions itself from its own local backend and shows the resident side.
    MADOGUCHI_SETUP_WIZARD=0 never shows it. The settings are validated first, so a refused
    setting still ends the start with its one-line reason instead of a wizard."""
    from kiosk.setup_wizard import WIZARD_VARIABLE, needs_wizard

    if demo and os.environ.get(WIZARD_VARIABLE) != "1":
        return None
    if not needs_wizard(paths, args.config):
        return None
    from kiosk.app import FirstStart
    from kiosk.config import load_settings

    load_settings(args.config, **choices)  # ConfigError: one line, exit status 2
    print(
        f"kiosk: first start, setup wizard on screen (settings in {paths.config_dir})", flush=True
    )
    return FirstStart(paths, args.config)


class _Preparation:
    """Everything `kiosk run`/`demo` does before the kiosk takes taps; called once, on the
    start-up thread. stop() undoes what it started."""

    def __init__(
        self, args: argparse.Namespace, paths: KioskPaths, choices: dict, demo: bool
    ) -> None:
        self.args = args
        self.paths = paths
        self.choices = choices
        self.demo = demo
        self.backend = None

    def __call__(self):
        from kiosk.cli import local_backend
        from kiosk.config import load_settings
        from kiosk.logs import configure_logging

        overrides = dict(self.choices)
        if self.demo:
            kiosk_id = load_settings(self.args.config).kiosk_id
            overrides.update(local_backend.demo_settings_overrides(self.paths, kiosk_id))
        settings = load_settings(self.args.config, data_dir=self.paths.data_dir, **overrides)
        log_file = configure_logging(self.paths.log_dir, settings.log_level)
        services = local_backend.build_services(settings, self.paths)
        print(f"kiosk: data in {self.paths.data_dir}, log in {log_file}", flush=True)
        if self.demo:
            self._start_demo_backend(settings, services)
        else:
            # A kiosk that has no name index yet (its install did not run `kiosk names build`)
            # builds one now, at the lowest priority; residents type kana meanwhile.
            from kiosk.name_index import NameIndex, index_path

            NameIndex(index_path(self.paths.data_dir)).build_in_background()
        return services

    def _start_demo_backend(self, settings, services) -> None:
        from kiosk.cli import local_backend
        from kiosk.cli.demo_backend import DelayedBackend, QueueReporter

        def say(line: str) -> None:
            print(line, flush=True)

        if settings.printer == "sim":
            say(f"kiosk: simulated receipts appear in {self.paths.printer_output}")
        services.events.subscribe(QueueReporter(say))
        self.backend = DelayedBackend(
            lambda: local_backend.start_demo_backend(self.paths, settings),
            services.sync_now,
            self.args.backend_after,
            say,
        )
        self.backend.begin()

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.stop()
