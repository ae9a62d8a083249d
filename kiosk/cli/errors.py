"""The one failure every `kiosk` subcommand raises: already worded for the person at the
terminal, printed as it is with exit status 2 (kiosk/cli/main.py's main)."""


class CommandFailed(Exception):
    """A failure already worded for the person at the terminal."""
