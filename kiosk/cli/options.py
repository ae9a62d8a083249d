"""The options many `kiosk` subcommands share, declared once as argparse parent parsers.

Pass them as `parents=[...]` to `add_parser`: each subcommand then spells and documents
--config and --json the same way. argparse lists a parent's options before the subcommand's own.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.config import Settings

CONFIG = argparse.ArgumentParser(add_help=False)
CONFIG.add_argument("--config", type=Path, metavar="FILE", help="a kiosk.toml to use")

JSON = argparse.ArgumentParser(add_help=False)
JSON.add_argument("--json", action="store_true", help="print JSON instead of text")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """kiosk.config.load_settings, imported when a command runs: building the parser and
    starting the GUI must not wait for the validation library."""
    from kiosk.config import load_settings as load

    return load(config_file, **overrides)
