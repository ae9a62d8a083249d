"""What every device emulator process shares: one line per event on stdout, and a run that
ends cleanly (cable removed, "stopped" said) on SIGTERM or Ctrl+C."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable


def say(text: str) -> None:
    """One line per event on stdout: what tests and technicians watch for."""
    print(text, flush=True)


def run_until_stopped(name: str, serve: Callable[[], None]) -> int:
    # SIGTERM ends serve() through KeyboardInterrupt, so its finally clauses always run.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        serve()
    except KeyboardInterrupt:
        pass
    except OSError as error:
        print(f"kiosk devices emulate {name}: {error}", file=sys.stderr)
        return 1
    say("stopped")
    return 0
