"""The fields of a console form (application/x-www-form-urlencoded, what a browser sends
without JavaScript), parsed here with the standard library: FastAPI's Form() would need the
python-multipart package for this one format. The door has already bounded the body
(backend/limits.py) and the CSRF guard has checked it."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request

from backend.console.csrf_guard import FORM_TYPE, MAX_FORM_FIELDS
from backend.console.refusals import ConsoleRefusal

FormFields = ImmutableMultiDict  # .get(name) the last value, .getlist(name) every value


async def form_fields(request: Request) -> FormFields:
    """A dependency: `form: FormFields = Depends(form_fields)`. A body of another type, not
    UTF-8, or with too many fields is refused with a plain page (415 / 400)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise ConsoleRefusal(415)
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
            errors="strict",
        )
    except ValueError as error:  # UnicodeDecodeError is one
        raise ConsoleRefusal(400) from error
    return ImmutableMultiDict(pairs)
