"""Validation errors in FastAPI's shape ({"detail": [{"loc", "msg", "type"}]}), safe to send.

FastAPI's own 422 repeats the input that failed: a 5 MB string is sent back, and a lone
surrogate cannot be encoded at all, so the reply itself fails with a 500. Here the input is
left out and every part of loc and msg is made printable and short, whoever sent what.
The kiosk and staff routers use ValidatedRoute, so this holds for each of their endpoints;
the batch endpoint reports a malformed application's errors with field_errors.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

MAX_LOC_CHARS = 64
MAX_MSG_CHARS = 300
MAX_ERRORS = 20
# Controls, format marks (bidirectional overrides too), separators, surrogates, unassigned.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str, limit: int) -> str:
    """Text as a reply, a log or a terminal can carry it: every control, format mark or lone
    surrogate written as its code point, and at most limit characters."""
    shown = "".join(
        f"\\u{ord(character):04x}" if unicodedata.category(character) in _UNPRINTABLE else character
        for character in text[:limit]
    )
    return shown if len(shown) <= limit and len(text) <= limit else shown[: limit - 1] + "…"


def _loc_part(part: Any) -> str | int:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    return printable(str(part), MAX_LOC_CHARS)


def field_errors(errors: Iterable[Mapping[str, Any]], prefix: tuple = ()) -> list[dict]:
    """pydantic or FastAPI errors as {"loc", "msg", "type"}, loc starting with prefix."""
    shown = []
    for error in errors:
        shown.append(
            {
                "loc": [*prefix, *(_loc_part(part) for part in error.get("loc", ()))],
                "msg": printable(str(error.get("msg", "")), MAX_MSG_CHARS),
                "type": printable(str(error.get("type", "")), MAX_LOC_CHARS),
            }
        )
        if len(shown) == MAX_ERRORS:
            break
    return shown


def in_words(errors: list[dict]) -> str:
    """The errors as one short line: "body.applications.3.created_at: Input should be …"."""
    first = errors[0] if errors else {"loc": [], "msg": "malformed"}
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return printable(f"{where}: {first['msg']}{more}", MAX_MSG_CHARS)


class ValidatedRoute(APIRoute):
    """A route whose 422 carries no input: the errors are rebuilt with field_errors and raised
    again, so the application's own handler for RequestValidationError still answers."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def validated(request):
            try:
                return await handler(request)
            except RequestValidationError as error:
                raise RequestValidationError(field_errors(error.errors())) from None

        return validated
