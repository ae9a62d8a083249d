"""Every step of the setup wizard as PNG, for the kiosk and the phone profile (screens/tour.py
calls render_steps). Rendered on a throwaway KIOSK_HOME: nothing of a real kiosk is touched."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.config_base import KioskPaths, Profile, TextSize, Theme
from kiosk.setup_wizard import STEPS, SetupWizard, Step
from kiosk.setup_wizard_devices import check_card, print_test
from screens.metrics import metrics_for
from screens.setup.wizard import FirstStartWindow, SetupWizardView
from screens.theme import Look, prepare_application

SIZES = {Profile.KIOSK: (1920, 1080), Profile.PHONE: (390, 844)}


def _show_step(view: SetupWizardView, step: Step) -> None:
    """The step as a technician sees it mid-way: something typed, tested or read."""
    view.open_at(step)
    page = view.page
    if step is Step.PIN:
        for digit in "4071":
            page.pad.digit_keys[digit].click()
    elif step is Step.BACKEND:
        page._set_url("https://madoguchi.example.lg.jp")
        page._set_code("7KQ3MXW9")
        page._edit(1)
    elif step is Step.PRINTER:
        page.chooser.list.choose("sim")
        page._printed(print_test("sim", "tm-t88", "kiosk-01", view.wizard.paths.printer_output))
    elif step is Step.SCANNER:
        page.shown.setText("読み取り / Read: MADOGUCHI-TEST 123")
        page.shown.show()
        page.show_result("スキャナーは動いています / The scanner works")
    elif step is Step.CARD_READER:
        page.readers.choose("sim")
        page._checked(check_card("sim"))


def render_steps(outdir: Path, profiles=(Profile.KIOSK, Profile.PHONE)) -> list[Path]:
    """One PNG per step and profile in outdir (setup-<profile>-<n>-<step>.png)."""
    app = QApplication.instance() or QApplication([])
    prepare_application(app)  # the Japanese font, as on the kiosk
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="madoguchi-setup-tour-") as folder:
        root = Path(folder)
        paths = KioskPaths(root / "config", root / "data", root / "logs")
        paths.config_dir.mkdir(parents=True)
        paths.config_file.write_text('# 設置メモ\nprinter = "sim"\ncard_reader = "sim"\n')
        for profile in profiles:
            metrics = metrics_for(profile)
            view = SetupWizardView(SetupWizard(paths), metrics)
            window = FirstStartWindow(
                view, Look(Theme.STANDARD, TextSize.STANDARD, metrics), locked=False
            )
            window.resize(*SIZES[profile])
            window.show()
            for number, step in enumerate(STEPS, 1):
                _show_step(view, step)
                app.processEvents()
                target = outdir / f"setup-{profile.value}-{number}-{step.value}.png"
                window.grab().save(str(target))
                written.append(target)
            view.stop()
            window.close()
            window.deleteLater()
            app.processEvents()
    return written
