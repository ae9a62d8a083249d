"""The one failure both command lines raise: `kiosk …` (kiosk/cli) and the staff's backend
commands (backend/staff_cli.py).

It lives in core because the backend may import core only, never the kiosk, and both CLIs
need the same type: kiosk/cli/main.py's main prints it as one line and exits with status 2.
"""


class CommandFailed(Exception):
    """A failure already worded for the person at the terminal."""
