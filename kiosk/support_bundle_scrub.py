"""What keeps secrets and personal data out of the support bundle (kiosk/support_bundle.py):
settings whose names say secret, text shaped like key material or a 個人番号, and, last, every
secret this kiosk actually holds, looked for byte by byte in what is about to be written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REMOVED = "(removed)"

# A setting or TOML key whose name says it holds a secret. "public" keys and fingerprints are
# what anyone may see (seal_public_key is a file name; seal_key_fingerprint a public hash).
_SECRET_NAME = re.compile(
    r"(?i)token|secret|passw|pin|hash|credential|private|cookie|session|auth|signing|api_?key|(^|_)key($|_)"
)
_PUBLIC_NAME = re.compile(r"(?i)public|fingerprint")

# Key material and tokens: a run of base64/base64url characters at least 20 long that mixes
# upper case, lower case and digits, or only letters of both cases with a third or more of
# them upper (a token_urlsafe token, a PEM body line, a scrypt salt; a random one lacks
# digits now and then). Paths, ids, versions, hashes and CamelCase names are not like that;
# a UUID has its groups.
_SECRET_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_UUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
_PEM = re.compile(r"-----(BEGIN|END)[A-Z ]*-----|PRIVATE KEY")
# A 12-digit run is what a 個人番号 looks like (kiosk/logs.py masks the same shape).
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A Japanese phone number (03-1234-5678, 090-1234-5678): never in a log, masked if it were.
_PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])")
# Credentials inside a URL (https://user:password@host/).
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _PUBLIC_NAME.search(name)


def _looks_secret(run: str) -> bool:
    core = run.rstrip("=")
    upper = sum(c.isupper() for c in core)
    if _UUID.match(core) or not upper or not any(c.islower() for c in core):
        return False
    return any(c.isdigit() for c in core) or upper * 3 >= sum(c.isalpha() for c in core)


def scrub_text(text: str) -> str:
    """One value or line with key material, 個人番号-shaped numbers, phone numbers and URL
    credentials replaced; a value mentioning a PEM block is removed whole."""
    if _PEM.search(text):
        return REMOVED
    text = _SECRET_RUN.sub(lambda m: REMOVED if _looks_secret(m.group()) else m.group(), text)
    text = _TWELVE_DIGITS.sub("************", text)
    text = _PHONE.sub("(phone number removed)", text)
    return _URL_USERINFO.sub(r"\1(removed)@", text)


def scrub_value(value: Any, name: str = "") -> Any:
    """A JSON/TOML-ready structure with every string scrubbed and every secret-named entry
    replaced by REMOVED (or left empty when it was empty: "not set" is worth knowing)."""
    if name and secret_name(name):
        return value if value in ("", None, [], {}) else REMOVED
    if isinstance(value, dict):
        return {str(key): scrub_value(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def scrub_log(text: str) -> tuple[str, int]:
    """A log's text with every line that mentions key material dropped and the rest scrubbed;
    returns the text and how many lines were dropped."""
    kept, dropped = [], 0
    for line in text.splitlines():
        if _PEM.search(line):
            dropped += 1
            continue
        kept.append(scrub_text(line))
    return "\n".join(kept) + ("\n" if kept else ""), dropped


def known_secrets(
    settings_values: dict[str, Any], secret_files: Iterable[Path], pin_hash: str = ""
) -> list[bytes]:
    """Every secret this kiosk holds, as bytes to look for in the finished bundle: secret-named
    settings, the contents of the token and key files (whole, each line, each PEM body), and
    the PIN hash with its salt and digest on their own."""
    texts: set[str] = {pin_hash}
    texts |= {str(v) for k, v in settings_values.items() if secret_name(k) and isinstance(v, str)}
    for path in secret_files:
        try:
            content = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # absent or unreadable: then it cannot leak from here either
        texts.add(content.strip())
        lines = [line.strip() for line in content.splitlines()]
        texts |= set(lines)
        body = "".join(line for line in lines if line and not line.startswith("-----"))
        texts.add(body)
    for text in list(texts):
        texts |= {part for part in text.split("$") if len(part) >= 16}
    # Short fragments (a scrypt "16384") would match by chance and mean nothing.
    return sorted({text.encode() for text in texts if len(text) >= 12})


def leaked(entries: dict[str, bytes], secrets: list[bytes]) -> list[str]:
    """The entries that contain one of the secrets (by name only; never the secret)."""
    return sorted(name for name, data in entries.items() if any(s in data for s in secrets))
