"""The one failure both command lines raise: `kiosk …` (kiosk/cli) and the staff's backend
commands (backend/staff_cli.py), and the words they print for any error.

It lives in core because the backend may import core only, never the kiosk, and both CLIs
need the same type: kiosk/cli/main.py's main prints it as one line and exits with status 2.
"""

from __future__ import annotations

import errno


class CommandFailed(Exception):
    """A failure already worded for the person at the terminal."""


# What a technician should read instead of "[Errno 28] No space left on device".
_OS_WORDS = {
    errno.ENOSPC: "the disk is full (free space on it)",
    errno.EDQUOT: "the disk quota is used up (free space on it)",
    errno.EFBIG: "a file reached the size limit of this system",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "input/output error (the disk may be failing)",
    errno.ENOENT: "no such file or folder",
    errno.ENAMETOOLONG: "a file name is too long",
}

# Exceptions whose message is often empty (a TimeoutError from a Future has none at all).
_EMPTY_WORDS: dict[type[BaseException], str] = {
    TimeoutError: "timed out",
    KeyboardInterrupt: "interrupted",
    MemoryError: "out of memory",
    RecursionError: "nested too deeply",
}


def plain(error: BaseException) -> str:
    """An error in words for a person at a terminal or a log: never empty, no bare errno."""
    if isinstance(error, OSError) and error.errno in _OS_WORDS:
        words = _OS_WORDS[error.errno]
        return f"{words}: {error.filename}" if error.filename else words
    text = str(error).strip()
    if text:
        return text
    for kind, words in _EMPTY_WORDS.items():
        if isinstance(error, kind):
            return words
    return f"{type(error).__name__} (no details)"
