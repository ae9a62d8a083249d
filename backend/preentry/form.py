"""The fields of a phone-form POST (application/x-www-form-urlencoded: what a browser sends
without JavaScript), parsed with the standard library as the console does, without the
python-multipart package. The door (backend/limits.py) has already bounded the body."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 100  # a multiple-choice page's boxes, the state, the action: far fewer

FormFields = ImmutableMultiDict  # .get(name) the last value, .getlist(name) every value


class FormUnreadable(Exception):
    """Not a form a browser sends: another type, not UTF-8, too many fields."""


async def form_fields(request: Request) -> FormFields:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise FormUnreadable("not a form")
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict"
        )
    except ValueError:  # UnicodeDecodeError is one
        raise FormUnreadable("not a readable form") from None
    return ImmutableMultiDict(pairs)
