"""The first-start setup wizard, without Qt: its steps and their order, what each step checks,
and what it writes (always through kiosk/config_writer.py: atomic, every hand-written byte kept).

Order: PIN → scanner → backend → printer → card reader → summary (運用開始).
- The PIN first: whoever carries on is then the technician (reopening a step later asks it).
- The scanner before the backend: the staff console shows the enrollment code as a QR
  (MADOGUCHI-ENROLL/1 URL CODE, core/enrollment.py), and scanning it with the kiosk's own QR
  scanner spares typing a URL on a touch keyboard; a kiosk without a scanner types both.
- The backend before the printer: the test receipt then carries the kiosk id it was given.

Each device step tests with the values on screen and writes only when the technician keeps
them; the backend step writes in one go (kiosk/enrollment.py: the token into data/backend-token,
0600; backend_url, kiosk_id, kiosk_letter, municipality, seal_key_fingerprint into kiosk.toml).
Every failure is a WizardProblem whose text is shown as it is: plain, bilingual, no code, no
token and no PIN in it. Slow work (enrollment, test print, card check) is plain blocking calls
with deadlines here; the screens run them off the GUI thread (kiosk/setup_wizard_devices.py has
the device half).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from kiosk.config_base import ENV_PREFIX, KioskPaths, read_values
from kiosk.config_writer import ConfigWriteRefused, update_config
from kiosk.technician import MIN_PIN_DIGITS, TechnicianPinError, hash_pin

# `kiosk run` (and `kiosk demo` when asked) starts in the wizard when this says so; "1" forces
# the wizard on any start, "0" never shows it on its own (a technician who set up by hand).
WIZARD_VARIABLE = "MADOGUCHI_SETUP_WIZARD"
ENROLL_TIMEOUT_S = 20.0
MAX_PIN_DIGITS = 12


class Step(StrEnum):
    PIN = "pin"
    SCANNER = "scanner"
    BACKEND = "backend"
    PRINTER = "printer"
    CARD_READER = "card_reader"
    SUMMARY = "summary"


STEPS: tuple[Step, ...] = tuple(Step)
TITLES = {
    Step.PIN: "技術者PIN / Technician PIN",
    Step.SCANNER: "QRスキャナー / QR scanner",
    Step.BACKEND: "バックエンド接続 / Connect to the backend",
    Step.PRINTER: "受付票プリンター / Receipt printer",
    Step.CARD_READER: "カードリーダー / Card reader",
    Step.SUMMARY: "確認 / Summary",
}
PRINTER_MODELS = {
    "tm-t88": "Epson TM-T88",
    "tm-m30": "Epson TM-m30",
    "generic": "汎用 ESC/POS / Generic ESC/POS",
}
BAUD_RATES = (9600, 19200, 38400, 115200)
NOT_SET = "未設定 / not set"


class WizardProblem(Exception):
    """Said on screen as it is; nothing was written."""


def needs_wizard(paths: KioskPaths, config_file: Path | None, environ=None) -> bool:
    """The rule of the first start: the configuration is empty when it has no technician PIN
    hash and the kiosk has no backend token (neither data/backend-token nor backend_token, in
    kiosk.toml or a KIOSK_* variable). A kiosk set up by hand (`kiosk technician pin`, `kiosk
    setup enroll`) has one of them and starts as before. MADOGUCHI_SETUP_WIZARD=1/0 overrides."""
    environ = os.environ if environ is None else environ
    forced = environ.get(WIZARD_VARIABLE, "")
    if forced in ("0", "1"):
        return forced == "1"
    file = config_file or paths.config_file
    try:
        values = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        values = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # a file a person wrote: the kiosk's own start says what is wrong in it
    for name in ("technician_pin_hash", "backend_token"):
        if values.get(name) or environ.get(ENV_PREFIX + name.upper()):
            return False
    return not paths.backend_token_file.is_file()


@dataclass
class Choices:
    """What the wizard has written so far (read back from kiosk.toml when reopened)."""

    pin_set: bool = False
    kiosk_id: str = ""
    kiosk_letter: str = ""
    municipality: str = ""
    backend_url: str = ""
    seal_key_fingerprint: str = ""
    enrolled: bool = False
    printer: str = ""
    printer_model: str = "tm-t88"
    scanner: str = ""
    card_reader: str = ""
    tested: set[Step] = field(default_factory=set)


def _plain(error: BaseException) -> str:
    return str(error).strip() or type(error).__name__


class SetupWizard:
    """One run of the wizard over one kiosk's files."""

    def __init__(self, paths: KioskPaths, config_file: Path | None = None) -> None:
        self.paths = paths
        self.config_file = config_file or paths.config_file
        self.choices = Choices()
        self.reload()

    # -- reading back ---------------------------------------------------------------------------

    def _file_values(self) -> dict:
        try:
            return tomllib.loads(self.config_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, tomllib.TOMLDecodeError):
            return {}

    def reload(self) -> Choices:
        values = self._file_values()
        c = self.choices
        c.pin_set = bool(values.get("technician_pin_hash"))
        for name in ("kiosk_id", "kiosk_letter", "municipality", "backend_url"):
            setattr(c, name, str(values.get(name, "")))
        c.seal_key_fingerprint = str(values.get("seal_key_fingerprint", ""))
        c.enrolled = self.paths.backend_token_file.is_file() and bool(c.seal_key_fingerprint)
        c.printer = str(values.get("printer", ""))
        c.printer_model = str(values.get("printer_model", "tm-t88"))
        c.scanner = str(values.get("scanner", ""))
        c.card_reader = str(values.get("card_reader", ""))
        return c

    def write(self, changes: dict) -> None:
        try:
            update_config(self.config_file, changes)
        except ConfigWriteRefused as error:
            raise WizardProblem(f"保存できません / Not saved: {error}") from error
        except OSError as error:
            raise WizardProblem(
                f"kiosk.toml に書けません / Cannot write kiosk.toml: {error.strerror or error}"
            ) from error
        self.reload()

    # -- PIN ----------------------------------------------------------------------------------

    @staticmethod
    def pin_problem(first: str) -> str | None:
        """Why the first entry cannot be a PIN, or None."""
        if not (first.isascii() and first.isdigit()) or len(first) < MIN_PIN_DIGITS:
            return (
                f"PINは{MIN_PIN_DIGITS}桁以上の数字です / "
                f"The PIN is at least {MIN_PIN_DIGITS} digits"
            )
        if len(set(first)) == 1 or first in "01234567890" or first in "98765432109":
            return "推測されやすいPINです / This PIN is too easy to guess"
        return None

    def set_pin(self, first: str, second: str) -> None:
        """The PIN, entered twice; its hash into kiosk.toml."""
        problem = self.pin_problem(first)
        if problem:
            raise WizardProblem(problem)
        if first != second:
            raise WizardProblem(
                "2回目のPINが1回目と違います。もう一度入力してください / "
                "The second PIN differs from the first: enter it again"
            )
        try:
            hashed = hash_pin(first)
        except TechnicianPinError as error:
            raise WizardProblem(_plain(error)) from error
        self.write({"technician_pin_hash": hashed})

    # -- backend ------------------------------------------------------------------------------

    def enroll(self, url: str, code: str, timeout_s: float = ENROLL_TIMEOUT_S):
        """The one exchange (kiosk/enrollment.py); blocking, bounded by timeout_s."""
        from kiosk.enrollment import EnrollmentFailed, EnrollmentUnreachable, enroll

        file = self.config_file if self.config_file.is_file() else None
        try:
            known = read_values(["ca_bundle"], file) if file else {}
        except Exception:  # a broken file is said by the writer below, in its words
            known = {}
        ca_bundle = Path(known["ca_bundle"]) if known.get("ca_bundle") else None
        try:
            done = enroll(
                url, code, self.paths, self.config_file, timeout_s=timeout_s, ca_bundle=ca_bundle
            )
        except EnrollmentUnreachable as error:
            raise WizardProblem(
                "接続できませんでした。コードはまだ使えます / "
                f"Could not connect; the code is still unused. {_plain(error)}"
            ) from error
        except EnrollmentFailed as error:
            raise WizardProblem(f"登録できませんでした / Not enrolled: {_plain(error)}") from error
        except ConfigWriteRefused as error:
            raise WizardProblem(f"保存できません / Not saved: {error}") from error
        self.reload()
        return done

    @staticmethod
    def read_enrollment_qr(text: str) -> tuple[str, str]:
        """(URL, code) from a scanned console QR, or WizardProblem (never echoing the code)."""
        from core.enrollment import InvalidCode, parse_enrollment_qr

        try:
            return parse_enrollment_qr(text)
        except InvalidCode as error:
            raise WizardProblem(
                f"登録用のQRコードではありません / Not an enrollment QR code: {error}"
            ) from error

    # -- devices ------------------------------------------------------------------------------

    def save_printer(self, url: str, model: str) -> None:
        if model not in PRINTER_MODELS:
            raise WizardProblem(f"機種を選んでください / Choose a model ({model!r} is unknown)")
        self.write({"printer": url, "printer_model": model})

    def save_scanner(self, url: str) -> None:
        self.write({"scanner": url})

    def save_card_reader(self, value: str) -> None:
        self.write({"card_reader": value})

    # -- summary ------------------------------------------------------------------------------

    def summary(self) -> list[tuple[str, str]]:
        c = self.reload()
        backend = (
            f"{c.backend_url}  {c.kiosk_id} / 受付記号 letter {c.kiosk_letter} / {c.municipality}"
            if c.enrolled
            else NOT_SET
        )
        printer = f"{c.printer}  ({c.printer_model})" if c.printer else NOT_SET
        return [
            (TITLES[Step.PIN], "設定済み / set" if c.pin_set else NOT_SET),
            (TITLES[Step.SCANNER], c.scanner or NOT_SET),
            (TITLES[Step.BACKEND], backend),
            (TITLES[Step.PRINTER], printer),
            (TITLES[Step.CARD_READER], c.card_reader or NOT_SET),
        ]

    def missing(self) -> list[Step]:
        """What 運用開始 still needs: a PIN (or the kiosk could never be left) and a backend."""
        c = self.reload()
        return [
            step for step, done in ((Step.PIN, c.pin_set), (Step.BACKEND, c.enrolled)) if not done
        ]


def port_url(path: str, baud: int) -> str:
    """kiosk.toml's form of a serial port."""
    return f"serial://{path}?baud={int(baud)}"
