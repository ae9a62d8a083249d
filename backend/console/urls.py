"""The console's addresses. Everything of the console lives under PREFIX: the session cookie
is sent only there (Path=/staff), and backend/limits.py gives those paths the console's policy."""

from __future__ import annotations

PREFIX = "/staff"
HOME = "/staff/"
LOGIN = "/staff/login"
LOGOUT = "/staff/logout"
USERS = "/staff/users"
STATIC = "/staff/static"
STYLESHEET = f"{STATIC}/console.css"
QUEUE_FORMS = "/staff/queue/forms.pdf"  # the queue's applications as one PDF of 申請書


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def safe_next(path: str | None) -> str | None:
    """path when it is a console page to return to after login, else None: only a plain path
    under /staff/ (no scheme, host, `//`, backslash or query), so the login page can never be
    made to send someone to another site."""
    if not path or len(path) > 512 or not path.startswith(HOME):
        return None
    if "//" in path or "\\" in path or "?" in path or "#" in path or ".." in path:
        return None
    if not all(char.isprintable() and not char.isspace() for char in path):
        return None
    if path in (LOGIN, LOGOUT) or path.startswith(STATIC + "/"):
        return None
    return path
