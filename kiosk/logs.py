"""Rotating log files that never carry personal data.

The code logs ids, states and counts, never answers. As a second line of defence a filter masks
anything shaped like a 個人番号 (12 digits) or a PIN in a key=value pair before it is written.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

LOG_FILE_NAME = "kiosk.log"
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_PIN_VALUE = re.compile(r"(?i)(pin\s*[=:]\s*)\S+")


class PersonalDataMask(logging.Filter):
    """Mask 個人番号-shaped digit runs and PIN values in the final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PIN_VALUE.sub(r"\1****", _TWELVE_DIGITS.sub("************", message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(log_dir: Path, level: str = "INFO", to_stderr: bool = False) -> Path:
    """Send the kiosk's logs to a rotating file (5 × 1 MB); return the file's path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_madoguchi", False):
            root.removeHandler(handler)
            handler.close()
    # Imported here: logging.handlers brings socket, pickle and queue, which every kiosk
    # command would pay at start (`kiosk run` before its first paint) for nothing.
    from logging.handlers import RotatingFileHandler

    handlers: list[logging.Handler] = [
        RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    ]
    if to_stderr:
        handlers.append(logging.StreamHandler())
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(PersonalDataMask())
        handler._madoguchi = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    return path
