"""Settings read again and applied between residents, never in the middle of one (Qt-free).

The heartbeat keeps the backend's settings in data/backend-settings.json and announces them
(SettingsArrived); technician mode writes kiosk.toml and asks for a reload. Either way every
layer is read again (kiosk.config.read_settings) and what changed takes effect when the home
screen is about to show with no resident: the services' settings, practice mode and the
procedures offered here (Services), then the look a resident starts with, the idle times and
手続きナビ's list (refresh_navigator, called by the window with the names that changed).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from core.catalog import Catalog
from kiosk.config import ConfigError, Settings, SettingsOrigin, TextSize, read_settings
from kiosk.events import Event, SettingsArrived
from kiosk.idle import IdlePolicy
from kiosk.setting_sources import SettingSource, describe

if TYPE_CHECKING:
    from kiosk.navigator import Navigator
    from kiosk.services import Services

log = logging.getLogger(__name__)

# Settings the sync client reads: it gets a new Settings only when one of these changed.
SYNC_SETTINGS = frozenset(
    {
        "kiosk_id",
        "backend_url",
        "backend_token",
        "request_timeout_s",
        "ca_bundle",
        "sync_batch",
        "heartbeat_interval_s",
    }
)


def changed_names(old: Settings, new: Settings) -> frozenset[str]:
    return frozenset(
        name for name in Settings.model_fields if getattr(old, name) != getattr(new, name)
    )


def offered_catalog(catalog: Catalog, procedures: tuple[str, ...]) -> Catalog:
    """The catalog as this kiosk offers it: only the procedures named (in the municipality's
    menu order), all of them when none are. Named procedures the municipality does not
    enable are left out; when none is left, all are offered (logged): a kiosk offering
    nothing serves no one."""
    if not procedures:
        return catalog
    wanted = set(procedures)
    enabled = tuple(pid for pid in catalog.municipality.enabled_procedures if pid in wanted)
    if not enabled:
        log.warning(
            "none of the procedures set for this kiosk (%s) is offered by %s; all are offered",
            ", ".join(sorted(wanted)),
            catalog.municipality.id,
        )
        return catalog
    municipality = catalog.municipality.model_copy(update={"enabled_procedures": enabled})
    return Catalog(
        municipality, catalog.all_procedures_by_id(), catalog.categories, catalog.life_events
    )


class SettingsKeeper:
    """Remembers that the backend's settings arrived and what changed since the window last
    asked; reads every layer again on request. One per Services."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._arrived = False  # set on the sync thread, taken on the GUI thread
        # Changes the window has not applied yet; the procedures at once, so that 手続きナビ
        # plans with this kiosk's own list from the first resident on.
        self._unseen: set[str] = {"procedures"}
        self.offered = offered_catalog(services.catalog, services.settings.procedures)
        services.events.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, SettingsArrived):
            self._arrived = True

    def between_residents(self) -> frozenset[str]:
        """Read again if the backend's settings arrived (else cheap: one flag); the names
        changed since the last call, which the window applies (refresh_navigator)."""
        if self._arrived:
            self._arrived = False
            self.read_again()
        changed, self._unseen = frozenset(self._unseen), set()
        return changed

    def sources(self) -> list[SettingSource]:
        """Each effective setting with its value and source, as technician mode shows them."""
        return describe(self._services.settings)

    def read_again(self) -> frozenset[str]:
        """Every layer read again and the services' settings replaced; the names that
        changed. Settings that cannot be read (a kiosk.toml a technician broke) leave the
        kiosk as it is, logged."""
        services = self._services
        old = services.settings
        origin = old.origin or _origin_of(old)
        try:
            # The services' own data folder: the one the heartbeat keeps the file in.
            new = read_settings(replace(origin, data_dir=services.paths.data_dir))
        except ConfigError as error:
            log.error("the settings were not read again (%s); the kiosk keeps its own", error)
            return frozenset()
        changed = changed_names(old, new)
        services.settings = new  # also when equal: the sources may have changed
        if "practice" in changed:  # else a technician's switch in technician mode stays
            services._practice = new.practice
        if changed & SYNC_SETTINGS:
            services.sync.settings = new
        if "procedures" in changed:
            self.offered = offered_catalog(services.catalog, new.procedures)
        if changed:
            log.info("settings changed: %s", ", ".join(sorted(changed)))
        self._unseen |= changed
        return changed


def _origin_of(settings: Settings) -> SettingsOrigin:
    """For Settings built directly (not by load_settings): the values given count as the
    command line's, no config file or KIOSK_* variable is read, the backend's file is."""
    given = {name: getattr(settings, name) for name in settings.model_fields_set}
    return SettingsOrigin(None, {}, None, given, read_config_file=False)


def refresh_navigator(navigator: Navigator, services: Services, changed: frozenset[str]) -> None:
    """What the next resident starts with, from settings that changed (between residents
    only): the idle times, 手続きナビ's procedures, the default text size. A text size the
    person at the home screen already chose stays theirs."""
    settings = services.settings
    if changed & {"idle_quiet_s", "idle_warning_s"}:
        navigator.idle.policy = IdlePolicy(settings.idle_quiet_s, settings.idle_warning_s)
    if "procedures" in changed:
        navigator.guide.catalog = services.settings_keeper.offered
    if "text_size" in changed:
        theme, before = navigator._default_look  # the Navigator has no setter (and no room)
        navigator._default_look = (theme, TextSize(settings.text_size))
        if navigator.text_size == before:
            navigator.text_size = TextSize(settings.text_size)
