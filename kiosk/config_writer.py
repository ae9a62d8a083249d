"""Writing kiosk.toml: typed, atomic, and keeping whatever a technician wrote by hand.

The setup (`kiosk setup enroll`, later the setup wizard) changes a few settings; the rest of the
file — comments, blank lines, the order of keys, keys and tables this version does not know —
stays exactly as it was (tomlkit edits the document, it does not re-serialize a dict). Before
the file is replaced, the result is read back and validated as kiosk.config.Settings: a value
the kiosk would refuse at its next start is refused now, and the old file stays byte for byte.

Atomic: the new text goes to a temporary file in the same folder (same file system), is
flushed and fsynced, then os.replace()d over the old one and the folder is fsynced. A crash at
any moment leaves the old file or the new one, never half of either (a crash after the write
leaves a hidden *.tmp beside it, which nothing reads). The file keeps its permissions; a new
one is 0600 (it may come to hold the technician PIN's hash).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.config import ConfigError, Settings

NEW_FILE_MODE = 0o600


class ConfigWriteRefused(ConfigError):
    """The change would leave a configuration the kiosk refuses: nothing was written."""


def _toml_value(name: str, value: Any) -> str | bool | int | float:
    """A setting's value as TOML holds it (a path as text, an enum as its value)."""
    if isinstance(value, bool | int | float | str):
        return value.value if hasattr(value, "value") else value
    if isinstance(value, Path):
        return str(value)
    raise ConfigWriteRefused(f"{name}: a {type(value).__name__} cannot be written to kiosk.toml")


def render(current: str, changes: Mapping[str, Any]) -> str:
    """current's text with changes applied (None removes a setting), every other byte kept;
    refused (ConfigWriteRefused) when the result is not a configuration the kiosk accepts."""
    # Here, not at the top: a kiosk writes its settings rarely (technician mode, the setup
    # wizard), and tomlkit costs every running kiosk 1.3 MB.
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(current)
    except TOMLKitError as error:
        raise ConfigWriteRefused(
            f"kiosk.toml is not valid TOML ({error}); fix it by hand first, nothing was changed"
        ) from error
    for name, value in changes.items():
        if name not in Settings.model_fields:
            raise ConfigWriteRefused(f"{name}: no such setting")
        if isinstance(document.get(name), dict):
            raise ConfigWriteRefused(f"{name}: the file has a table of that name; fix it by hand")
        if value is None:
            document.pop(name, None)
        else:
            # Replacing a value keeps its line's comment; a new key goes before the first table.
            document[name] = _toml_value(name, value)
    text = tomlkit.dumps(document)
    check(text)
    return text


def check(text: str) -> Settings:
    """The settings text holds, validated as the kiosk will (without KIOSK_* variables, which
    are one run's). Keys this version does not know are kept, not judged: they are the
    technician's, and the kiosk names them itself at its start."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # tomlkit wrote what tomllib cannot read: a bug
        raise ConfigWriteRefused(f"the new kiosk.toml would not be valid TOML ({error})") from error
    known = {name: value for name, value in values.items() if name in Settings.model_fields}
    try:
        return Settings(**known)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigWriteRefused(
            f"not written, the kiosk would refuse it: {problems}; kiosk.toml is unchanged"
        ) from error


def update_config(path: Path, changes: Mapping[str, Any]) -> Settings:
    """Apply changes to the kiosk.toml at path (created if missing), atomically; returns the
    settings the file now holds. ConfigWriteRefused, with the file untouched, if invalid."""
    try:
        current = path.read_text(encoding="utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        current, mode = "", NEW_FILE_MODE
    text = render(current, changes)
    write_atomically(path, text, mode)
    return check(text)


def write_atomically(path: Path, text: str, mode: int = NEW_FILE_MODE) -> None:
    """text to path through a temporary file in the same folder: fsync, replace, fsync the
    folder. The temporary file is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is on disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
