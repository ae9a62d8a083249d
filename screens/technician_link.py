"""Technician mode inside the kiosk window: the corner taps, the PIN, the menu's pages and
actions, and the 休止中 notice residents see between two residents.

The decisions are kiosk.technician's and the words kiosk.technician_status's (Qt-free); this
class connects the overlay's signals to them and shows what they return. The window gives it
the taps it sees and tells it when the home screen is about to show (at_home), the moment
between two residents.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kiosk import technician_out_of_service as switch
from kiosk import technician_status as status
from kiosk.services import Services
from kiosk.technician import CornerTaps, TechnicianDesk, TechnicianMenu
from screens.metrics import Metrics
from screens.out_of_service import OutOfServiceScreen

if TYPE_CHECKING:
    from kiosk.setup_wizard import Step
    from kiosk.technician_bundle import BundleJob
    from screens.technician import TechnicianOverlay

BUNDLE_POLL_MS = 200
LIVE_REFRESH_MS = 2000
LIVE_PAGES = ("sync", "devices")
# What the running kiosk built once at start from its settings (devices, the catalog, the
# sealing key, the reception letter): a change to these waits for the next start.
NEXT_START_SETTINGS = frozenset(
    {
        "printer",
        "printer_model",
        "scanner",
        "card_reader",
        "municipality",
        "catalog_dir",
        "seal_public_key",
        "seal_key_fingerprint",
        "kiosk_id",
        "kiosk_letter",
    }
)


class TechnicianLink(QObject):
    setup_requested = Signal(str)  # the technician asked for the setup wizard (a step, or "")

    def __init__(
        self, window: QWidget, services: Services, metrics: Metrics, now: Callable[[], float]
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        # The notice first, so technician mode (created after it) is drawn above it.
        self.notice = OutOfServiceScreen(window, metrics)
        self.notice.language_requested.connect(window.language_overlay.open)
        # The stack raises the page it turns to (home, after at_home): the notice stays on top.
        window.stack.currentChanged.connect(self._keep_notice_on_top)
        self.metrics = metrics
        self.desk = TechnicianDesk(services)
        self._overlay: TechnicianOverlay | None = None
        self._bundle: BundleJob | None = None
        self._bundle_timer = QTimer(self)
        self._bundle_timer.setInterval(BUNDLE_POLL_MS)
        self._bundle_timer.timeout.connect(self._bundle_poll)
        self._corner = CornerTaps(now)
        # The sync and devices pages follow what the worker threads do while they are open
        # (a send started here, a printer that recovers); the log refreshes on request only.
        self._live = QTimer(self)
        self._live.setInterval(LIVE_REFRESH_MS)
        self._live.timeout.connect(self._refresh_live_page)

    @property
    def overlay(self) -> TechnicianOverlay:
        """Technician mode, built the first time it is opened: most days no technician comes,
        and its pages and the modules behind them cost a running kiosk about 5 MB. Made last,
        it is drawn above every other overlay and the 休止中 notice."""
        if self._overlay is None:
            self._overlay = self._build_overlay()
        return self._overlay

    @property
    def bundle(self) -> BundleJob:
        if self._bundle is None:
            from kiosk.technician_bundle import BundleJob

            self._bundle = BundleJob(self.services)
        return self._bundle

    def _build_overlay(self) -> TechnicianOverlay:
        from screens.technician import TechnicianOverlay

        window, services = self.window, self.services
        overlay = TechnicianOverlay(window, self.metrics)
        overlay.pin_entered.connect(self._pin_entered)
        overlay.page_opened.connect(self.fill_page)
        overlay.practice_toggled.connect(self._toggle_practice)
        overlay.reprint_requested.connect(self._reprint)
        overlay.sync_requested.connect(self._sync_now)
        overlay.requeue_requested.connect(self._requeue)
        overlay.out_of_service_requested.connect(self._switch)
        overlay.bundle_requested.connect(self._write_bundle)
        overlay.setup_requested.connect(self.setup_requested)
        overlay.setup_requested.connect(self._open_setup)
        overlay.quit_requested.connect(window.leave_kiosk)
        self.fillers: dict[str, Callable[[], None]] = {
            "sync": self._fill_sync,
            "catalog": lambda: self._lines("catalog", status.catalog_lines(services)),
            "log": lambda: self._lines("log", status.log_tail(status.log_file(services))),
            "devices": self._fill_devices,
            "settings": lambda: self._lines(
                "settings", status.setting_lines(services.setting_sources())
            ),
            "out_of_service": self._fill_switch,
            "support": self._fill_support,
            "setup": lambda: None,  # its buttons are all it shows
        }
        return overlay

    def pressed_at(self, x: int, y: int) -> None:
        """A press anywhere on the window, in its coordinates: the fifth in the corner opens
        the PIN page."""
        if self._corner.tap(x, y):
            self.overlay.open_pin()
            if locked := self.desk.locked_words():  # too many wrong PINs: say how long
                self.overlay.show_problem(locked)

    def at_home(self) -> None:
        """Between two residents (the home screen is about to show): the 休止中 notice covers
        it while the kiosk is out of service, and is gone once it is back in service."""
        settings = self.services.settings
        if not settings.out_of_service:
            self.notice.hide()
            return
        t = self.window.t
        language = self.window.language
        counter = switch.nearest_counter(
            self.services.procedures(), self.services.catalog.municipality
        )
        self.notice.show_notice(
            t,
            self.services.catalog.municipality.name.text(language),
            switch.resident_message(settings.out_of_service_message, t),
            counter.number,
            counter.name.text(language),
        )
        self._keep_notice_on_top()  # technician mode stays above it

    def _keep_notice_on_top(self, _index: int = 0) -> None:
        if self.notice.isVisible():
            self.notice.raise_()
            if self._overlay is not None and self._overlay.isVisible():
                self._overlay.raise_()

    # -- the PIN and the menu -------------------------------------------------------------

    def _pin_entered(self, pin: str) -> None:
        menu = self.desk.enter(pin)
        if menu is None:
            self.overlay.show_problem(self.desk.refusal)
            return
        self._show_menu(menu)

    def _show_menu(self, menu: TechnicianMenu | None = None) -> None:
        menu = menu or self.desk.menu()
        self.overlay.show_menu(menu.practice, menu.devices)
        if menu.problem:  # why residents are told to call staff
            self.overlay.show_problem(menu.problem)
        self._fill_sync()  # the quarantine is known as soon as the menu shows

    def _toggle_practice(self) -> None:
        menu = self.desk.toggle_practice()
        self.window._apply_banners()
        self._show_menu(menu)

    def _reprint(self) -> None:
        problem = self.desk.reprint()
        if problem is not None:
            self.overlay.show_problem(problem)

    # -- the pages --------------------------------------------------------------------------

    def fill_page(self, name: str) -> None:
        self.fillers[name]()
        if name in LIVE_PAGES and not self._live.isActive():
            self._live.start()

    def _refresh_live_page(self) -> None:
        page = self.overlay.current_page() if self.overlay.isVisible() else None
        if page in LIVE_PAGES:
            self.fill_page(page)
        else:
            self._live.stop()  # the page was left: nothing to follow

    def _lines(self, page: str, lines: list[str]) -> None:
        self.overlay.pages[page].show_lines(lines)

    def _fill_sync(self) -> None:
        reasons = list(self.desk.quarantine())
        lines = status.sync_lines(self.services.sync_status())
        self._lines("sync", [*lines, "", *status.quarantine_lines(reasons)])
        self.overlay.show_quarantine(reasons)

    def _sync_now(self) -> None:
        self.desk.sync_now()
        self._fill_sync()

    def _requeue(self) -> None:
        self.desk.requeue()
        self._fill_sync()

    def _fill_devices(self) -> None:
        reports = status.device_reports(
            self.services.device_statuses(), self.services.device_faults.recent
        )
        self._lines("devices", status.device_lines(reports))

    def _fill_switch(self, outcome: str | None = None) -> None:
        state = switch.switch_state(self.services)
        self.overlay.out_of_service_page.choose(state.message)
        self._lines("out_of_service", [*switch.state_lines(state), *([outcome] if outcome else [])])

    def _switch(self, on: bool, message: str) -> None:
        problem = switch.set_out_of_service(self.services, on, message)
        if problem is not None:
            self.overlay.show_problem(problem)
            self._fill_switch()
            return
        if self.window.stack.currentWidget() is self.window.home:
            self.at_home()  # nobody is being served: the notice follows the switch at once
        done = (
            "kiosk.toml に書きました。ホーム画面に表示されます"
            " / Written to kiosk.toml; the home screen shows it"
        )
        self._fill_switch(done)

    def _fill_support(self, outcome: str | None = None) -> None:
        from kiosk.technician_bundle import NO_FOLDER, NOT_AVAILABLE

        page = self.overlay.bundle_page
        if not self.bundle.available:
            page.show_folders([])
            page.show_lines([NOT_AVAILABLE])
            return
        folders = self.bundle.folders()
        page.show_folders(folders)
        page.set_busy(self.bundle.running)
        lines = [
            "設定・機器・送信状況・最近のログを書き出します（秘密情報と個人情報は含みません）"
            " / Writes settings, devices, sync status and recent logs (no secrets, nothing"
            " personal)"
        ]
        if not folders:
            lines.append(NO_FOLDER)
        self._lines("support", [*lines, *([outcome] if outcome else [])])

    def _write_bundle(self, folder: str) -> None:
        started = self.bundle.start(Path(folder))
        self.overlay.bundle_page.set_busy(self.bundle.running)
        self._fill_support(started)
        if self.bundle.running:
            self._bundle_timer.start()

    def _bundle_poll(self) -> None:
        outcome = self.bundle.poll()
        if outcome is None:
            return  # still writing (within its deadline)
        self._bundle_timer.stop()
        self._fill_support(outcome)

    # -- the setup wizard again ---------------------------------------------------------------

    def _open_setup(self, step: str) -> None:
        from screens.setup import open_wizard

        open_wizard(
            self.window,
            self.services.paths,
            step or None,
            config_file=switch.config_file(self.services),
            metrics=self.metrics,
            apply=self._apply_setup,
            on_closed=self.overlay.back_from_setup,
        )

    def _apply_setup(self, _step: Step) -> bool:
        """What the wizard wrote, read again now: True when all of it took effect (a new PIN);
        False when a device or the backend changed, which the running kiosk takes at its next
        start (its devices and sync were built from the old settings)."""
        changed = self.services.reload_settings()
        return not (changed & NEXT_START_SETTINGS)
