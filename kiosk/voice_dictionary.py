"""The voice's user dictionary: the words Open JTalk reads wrongly in the kiosk's texts.

Open JTalk's own dictionary reads 方 as ほう where the kiosk means a person (お持ちの方,
窓口に来た方 → かた), 番号札 as ばんごうさつ, いちばん下 as いちばんか. The corrections ship as a
CSV in Open JTalk's user-dictionary format (assets/voice/user_dictionary.csv, described in
assets/voice/README.md); on the voice's first sentence it is compiled with pyopenjtalk's own
mecab_dict_index into the kiosk's data folder, once per dictionary and engine version, and
loaded into a front end of the voice's own (the module-wide one stays untouched). Nothing is
downloaded: the system dictionary is the one inside the pyopenjtalk-plus wheel.

The compiler runs in a child process with a deadline: it is C code that prints progress to
stderr and may exit on a malformed line, and neither may reach the kiosk. When the dictionary
cannot be compiled or loaded, the voice speaks with the plain dictionary (logged once by the
caller, which asks only once).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.ui_text import assets_folder

if TYPE_CHECKING:
    from types import ModuleType

log = logging.getLogger(__name__)

SOURCE = assets_folder("voice") / "user_dictionary.csv"
COMPILED_PREFIX = "user_dictionary-"
COMPILE_DEADLINE_S = 60.0  # a few entries take milliseconds; the child's import ~1 s
# The compiler's lines about rejected or skipped entries say one of these.
_PROBLEM_WORDS = ("error", "failed")
_COMPILE = "import sys, pyopenjtalk; pyopenjtalk.mecab_dict_index(sys.argv[1], sys.argv[2])"


class DictionaryError(Exception):
    """The user dictionary could not be compiled or loaded (the message says why)."""


def engine_module() -> ModuleType:
    """pyopenjtalk, imported on first use only (half a second and ~100 MB)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # no device-id file in $HOME
    import pyopenjtalk

    return pyopenjtalk


def engine_version() -> str:
    from importlib import metadata  # ~10 ms: not in the kiosk's start-up

    try:
        return metadata.version("pyopenjtalk-plus")
    except metadata.PackageNotFoundError:
        return "unknown"


def compiled(folder: Path, source: Path = SOURCE) -> Path:
    """The compiled dictionary for this source and engine in `folder`, compiled now if it is
    not there yet. Raises DictionaryError when it cannot be."""
    try:
        content = source.read_bytes()
    except OSError as error:
        raise DictionaryError(f"no user dictionary at {source} ({error.strerror})") from error
    # A changed CSV or another engine version (its context ids) needs its own compiled file.
    key = hashlib.sha256(content + engine_version().encode()).hexdigest()[:16]
    target = folder / f"{COMPILED_PREFIX}{key}.dic"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{target.name}.{os.getpid()}.partial"
    try:
        done = subprocess.run(
            [sys.executable, "-c", _COMPILE, str(source), str(partial)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMPILE_DEADLINE_S,
            env={**os.environ, "ORT_DISABLE_TELEMETRY": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        partial.unlink(missing_ok=True)
        raise DictionaryError(f"the user dictionary compiler did not finish ({error})") from error
    # The compiler's own words (format error: …, rewrite failed: …), not its progress bar.
    problems = [
        line
        for line in done.stderr.splitlines()
        if any(word in line.lower() for word in _PROBLEM_WORDS)
    ]
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise DictionaryError(
            f"{source.name} did not compile: {'; '.join(problems[:3]) or 'no message'}"[:300]
        )
    if problems:  # a bad line is skipped and the rest compiled: better than none, but say so
        log.warning("voice: %s compiled with problems: %s", source.name, "; ".join(problems[:3]))
    os.replace(partial, target)  # whole or not at all, for the next start
    for old in folder.glob(f"{COMPILED_PREFIX}*.dic"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def front_end(folder: Path, source: Path = SOURCE) -> Any:
    """An Open JTalk front end reading with the user dictionary. Its readings are protected
    from pyopenjtalk-plus's later corrections (Sudachi's, which would read 方 back as ほう).
    Raises DictionaryError when the dictionary cannot be compiled or loaded."""
    path = compiled(folder, source)
    pyopenjtalk = engine_module()
    try:
        return pyopenjtalk.OpenJTalk(
            dn_mecab=pyopenjtalk.OPEN_JTALK_DICT_DIR,
            userdic=str(path).encode("utf-8"),
            userdic_reading_protection=[True],
        )
    except (RuntimeError, ValueError, TypeError) as error:
        raise DictionaryError(f"the user dictionary did not load ({error})") from error


def kana(text: str, engine: Any = None) -> str:
    """What the voice says, in katakana (pronunciation: は as ワ, long vowels as ー), from the
    engine's own front end: the readings the tests compare."""
    features = engine_module().run_frontend(text, jtalk=engine)
    return "".join(feature["pron"] for feature in features).replace("’", "")


def main(texts: list[str]) -> int:
    """`python -m kiosk.voice_dictionary TEXT…`: how the voice reads each text, with the
    shipped dictionary (compiled into a temporary folder), for whoever writes the texts."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kiosk-voice-") as folder:
        try:
            engine = front_end(Path(folder))
        except DictionaryError as error:
            print(f"without the user dictionary: {error}", file=sys.stderr)
            engine = None
        for text in texts:
            print(f"{text}\t{kana(text, engine)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
