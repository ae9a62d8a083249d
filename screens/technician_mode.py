"""The window's technician mode: five corner taps, the technician PIN, then the menu.
A mixin of KioskWindow (screens.window)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from kiosk.technician import verify_pin


class TechnicianMode:
    # -- technician mode --------------------------------------------------------------------

    def _pressed_at(self, global_position) -> None:
        local = self.mapFromGlobal(global_position.toPoint())
        if self._corner.tap(local.x(), local.y()):
            self.technician.open_pin()

    def _technician_pin(self, pin: str) -> None:
        stored = self.services.settings.technician_pin_hash
        if not stored or not verify_pin(pin, stored):
            self.technician.show_problem("暗証番号が違います / Wrong PIN")
            return
        self._show_technician_menu()

    def _show_technician_menu(self) -> None:
        statuses = self.services.device_statuses()
        devices = "  ".join(
            f"{role}: {status.state.value}"
            + (f" ({', '.join(sorted(status.conditions))})" if status.conditions else "")
            for role, status in statuses.items()
        )
        self.technician.show_menu(self.services.practice, devices)
        if self.services.seal_key_problem:  # why residents are told to call staff
            self.technician.show_problem(self.services.seal_key_problem)
        self._show_quarantine()

    def _show_quarantine(self) -> None:
        reasons = [
            f"{item.reception_number} {item.procedure_id}: {item.reason}"
            for item in self.services.quarantined()
        ]
        self.technician.show_quarantine(reasons)

    def _requeue(self) -> None:
        self.services.requeue()
        self._show_quarantine()

    def _toggle_practice(self) -> None:
        self.services.set_practice(not self.services.practice)
        for screen in self.screens():
            screen.set_practice(self.t("practice_banner") if self.services.practice else None)
        self._show_technician_menu()

    def _reprint(self) -> None:
        if self.services.reprint() is None:
            self.technician.show_problem("再印刷できる受付票がありません / No receipt to reprint")

    def _sync_now(self) -> None:
        self.services.sync_now()

    def leave_kiosk(self) -> None:
        self._may_close = True
        self.close()
        QApplication.quit()
