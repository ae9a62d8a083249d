"""The door of the backend: who may send a body, how big, how slowly and how often, decided
before a byte of the body is read.

RequestLimits is a pure ASGI middleware (not BaseHTTPMiddleware, which would hand the app a
request whose body it has already begun to buffer). For each request it refuses headers over
max_header_bytes (431), finds the route, and

1. refuses with 429 (Retry-After) an address over its budget: requests to routes that need no
   token (health today; backend/ratelimit.py for the coming login and code endpoints), and
   failed token checks on any route (checked before the token is even looked up);
2. checks the bearer token of a route that needs one (the route's own dependency on
   backend.auth.kiosk_caller or staff_caller says which kind): 401 without a valid one, 403
   with one of the other kind. The principal is handed to that dependency, so the token is
   looked up once;
3. refuses with 413 a declared Content-Length over the route's limit (Limits.body: the batch's
   derives from MAX_BATCH and the wire model's bounds, see body_limits());
4. only then reads the body itself, counting it (a chunked body is cut off with 413 at the
   limit) and holding it to a pace (after a grace period the body must average min_body_rate
   bytes/s, or the request ends with 408), and hands the app the whole body at once.

A refusal of a request whose body has not been read says `Connection: close` when the body may
be large (over the route's limit, or of unknown length), so uvicorn closes instead of reading
and discarding it; a smaller declared body is discarded by uvicorn without being kept (keeping
the connection, so the client reliably reads the answer; backend/server.py's header deadline
ends a discard that trickles). The slow-header and idle-connection deadlines are uvicorn's side
(backend/server.py).

The staff console (every path under /staff, backend/console/) has a policy of its own: it is
authenticated by a session cookie, not a bearer token, so it never counts as a failed token
check. A request carrying a live session (looked up here, and left in the request's scope for
the console, so it is looked up once) spends no budget at all: a clerk's page refreshing
itself all day must not use up the office's address. One without (the login page and its
POST, a stale cookie, a stranger) spends the per-address budget of requests without a token,
like any anonymous request; the login POST's failures have their own budget besides
(backend/console/login_pages.py). Console bodies (forms) are held to CONSOLE_BODY, and the
console's refusals here are plain Japanese pages, not JSON.

A route authenticated some other way must be taught here (TOKEN_DEPENDENCIES, or a policy of
its own), or it counts as tokenless: per-address budget and SMALL_BODY.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from re import _parser as re_parser  # the regex parser's width: stable since Python 2
from types import UnionType
from typing import Annotated, Any

from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import AwareDatetime, BaseModel, FutureDatetime, NaiveDatetime, PastDatetime
from pydantic.fields import FieldInfo
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import auth
from backend.console import urls as console_urls
from backend.console.refusals import door_message, refusal_document
from backend.console.visits import resolve_visit
from backend.ratelimit import Rate, RateLimiter, client_key
from backend.tokens import Principal, TokenKind, authenticate
from core.usage_wire import USAGE_PATH, UsageBatch
from core.wire import (
    APPLICATIONS_PATH,
    BATCH_PATH,
    HEARTBEAT_PATH,
    MAX_BATCH,
    Heartbeat,
    SubmissionBatch,
    SubmittedApplication,
)

# --- Body sizes ------------------------------------------------------------------------------

# A character as a client may send it in JSON: "\uXXXX" (6 bytes; UTF-8 needs at most 4).
CHAR_BYTES = 6
# The sealed envelope is ASCII JSON text inside a JSON string: a quote becomes \" (2 bytes).
SEALED_CHAR_BYTES = 2
# Until core/wire.py bounds a string, list or dict field (its max_length), a body is sized as
# if it had at most this many characters or items; the model's own max_length wins once set.
ASSUMED_MAX_CHARS = 1024
ASSUMED_MAX_SEALED_CHARS = 64 * 1024
ASSUMED_MAX_ITEMS = 100
# Room per field for the layout a client may choose (indentation, spaces after : and ,).
LAYOUT_BYTES_PER_FIELD = 16
NUMBER_BYTES = 24
MOMENT_BYTES = 48  # "2026-11-26T10:00:00.123456+09:00" is 34 with its quotes
MOMENTS = (datetime, date, AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)
# Every route not in body_limits(): a staff status change, a query.
SMALL_BODY = 16 * 1024
# A console form: a comment of 1,000 Japanese characters is 9 KB percent-encoded.
CONSOLE_BODY = 16 * 1024


def _pattern_width(pattern: str) -> int | None:
    """The longest text a pattern can match (`^[a-z0-9_]{1,40}$` → 40), or None if unbounded."""
    try:
        _, widest = re_parser.parse(pattern).getwidth()
    except (re.error, TypeError, ValueError):
        return None
    return widest if widest < re_parser.MAXREPEAT else None


def max_length(metadata: list[Any]) -> int | None:
    """The tightest max_length (or pattern width) among a field's constraints."""
    bounds = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            found = max_length(item.metadata)
            bounds += [] if found is None else [found]
        if getattr(item, "max_length", None) is not None:
            bounds.append(int(item.max_length))
        if isinstance(getattr(item, "pattern", None), str):
            width = _pattern_width(item.pattern)
            bounds += [] if width is None else [width]
    return min(bounds) if bounds else None


def max_json_bytes(annotation: Any, metadata: list[Any] | None = None, char_bytes=CHAR_BYTES):
    """The most bytes a value of this type can take in a valid JSON body, from its bounds
    (max_length of strings, lists and dicts; ASSUMED_* where the model has none yet)."""
    metadata = list(metadata or [])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return max_json_bytes(args[0], [*metadata, *args[1:]], char_bytes)
    if origin in (typing.Union, UnionType):
        return max(max_json_bytes(arg, metadata, char_bytes) for arg in args)
    if annotation is type(None):
        return len("null")
    if annotation in (bool, int, float):
        return NUMBER_BYTES
    if annotation in MOMENTS:
        return MOMENT_BYTES
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return max(2 + len(str(member.value)) * char_bytes for member in annotation)
    if annotation is str:
        chars = max_length(metadata) or ASSUMED_MAX_CHARS
        return 2 + chars * char_bytes
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_json_bytes(annotation)
    if origin is list:
        items = max_length(metadata) or ASSUMED_MAX_ITEMS
        return 2 + items * (max_json_bytes(args[0]) + LAYOUT_BYTES_PER_FIELD)
    if origin is dict:
        items = max_length(metadata) or ASSUMED_MAX_ITEMS
        pair = max_json_bytes(args[0]) + max_json_bytes(args[1]) + LAYOUT_BYTES_PER_FIELD
        return 2 + items * pair
    # A field type this function does not know must be taught to it, not guessed.
    raise TypeError(f"no JSON size bound for {annotation!r}")


def model_json_bytes(model: type[BaseModel], known: Mapping[str, int] | None = None) -> int:
    """The most bytes one valid object of model takes as JSON (extra keys make no valid body);
    known gives the bound of a field whose characters are narrower than CHAR_BYTES."""
    total = 2
    for name, info in model.model_fields.items():
        value = (known or {}).get(name) or max_json_bytes(info.annotation, info.metadata)
        total += len(json.dumps(name)) + 1 + value + LAYOUT_BYTES_PER_FIELD
    return total


def max_sealed_chars() -> int:
    """The sealed envelope's bound: core/wire.py's max_length, or ASSUMED_MAX_SEALED_CHARS."""
    bound = max_length(SubmittedApplication.model_fields["sealed"].metadata)
    return bound or ASSUMED_MAX_SEALED_CHARS


def application_json_bytes() -> int:
    """One SubmittedApplication at every bound: ASCII sealed text, any other text escaped."""
    sealed = 2 + max_sealed_chars() * SEALED_CHAR_BYTES
    return model_json_bytes(SubmittedApplication, {"sealed": sealed})


def body_limits() -> dict[tuple[str, str], int]:
    """The body limit of each route that takes more than SMALL_BODY, by (method, route path):
    the batch's is MAX_BATCH applications at every bound, in a SubmissionBatch."""
    item = application_json_bytes() + LAYOUT_BYTES_PER_FIELD
    batch = model_json_bytes(SubmissionBatch, {"applications": 2 + MAX_BATCH * item})
    return {
        ("POST", BATCH_PATH): batch,
        ("POST", APPLICATIONS_PATH): application_json_bytes(),
        ("POST", HEARTBEAT_PATH): model_json_bytes(Heartbeat),
        ("POST", USAGE_PATH): model_json_bytes(UsageBatch),
    }


# --- Settings --------------------------------------------------------------------------------

TOKENLESS_RATE = Rate(120, 60.0)
FAILED_AUTH_RATE = Rate(30, 60.0)


@dataclass(frozen=True)
class Limits:
    """Every limit at the door, in one place (docs/BACKEND.md lists them)."""

    body: dict[tuple[str, str], int] = field(default_factory=body_limits)
    small_body: int = SMALL_BODY
    console_body: int = CONSOLE_BODY  # every request under /staff (the console's forms)
    # A body gets body_grace_s, then must average min_body_rate bytes/s (a batch at its limit
    # on a 1 Mbit/s line arrives well within it; a body at 1 byte/s is cut off after the grace).
    body_grace_s: float = 10.0
    min_body_rate: int = 16 * 1024
    # Per client address: requests to routes without a token (a load balancer probing health
    # every second is well within it), and failed token checks on any route.
    tokenless: Rate = TOKENLESS_RATE
    failed_auth: Rate = FAILED_AUTH_RATE
    # uvicorn (backend/server.py): request headers must arrive within header_timeout_s of the
    # connection or the previous response (slow headers, idle connections); at most this many
    # header bytes; at most concurrency connections and requests at once (then 503).
    header_timeout_s: float = 10.0
    keep_alive_s: float = 5.0
    max_header_bytes: int = 16 * 1024
    concurrency: int = 256
    # On stop, requests under way get this long to finish; an idle client that holds a TLS
    # connection open would otherwise hold up the stop for asyncio's 30 s TLS shutdown.
    shutdown_s: float = 10.0

    def body_limit(self, method: str, path: str) -> int:
        return self.body.get((method, path), self.small_body)


# --- Routes ----------------------------------------------------------------------------------

TOKEN_DEPENDENCIES: dict[Callable[..., Any], TokenKind] = {
    auth.kiosk_caller: TokenKind.KIOSK,
    auth.staff_caller: TokenKind.STAFF,
}


@dataclass(frozen=True)
class RoutePolicy:
    token: TokenKind | None  # None: reachable without a token (counted per address)
    body_limit: int
    # The staff console: a live session spends no budget; refusals are Japanese pages.
    console: bool = False


def _console_policy(limits: Limits) -> RoutePolicy:
    return RoutePolicy(None, limits.console_body, console=True)


def _needed_token(dependant) -> TokenKind | None:
    for dependency in dependant.dependencies:
        kind = TOKEN_DEPENDENCIES.get(dependency.call) or _needed_token(dependency)
        if kind is not None:
            return kind
    return None


def api_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes requests end at, each with path, methods, dependant and matches(scope).

    Older FastAPI copies an included router's routes into the app's list as APIRoutes; newer
    FastAPI keeps the included router whole and gives its effective routes on demand."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from api_routes(route.effective_candidates())
        elif isinstance(route, APIRoute) or hasattr(route, "dependant"):
            yield route


def policies(app, limits: Limits) -> list[tuple[Any, RoutePolicy]]:
    """Each API route with what it needs; the token from the route's own dependencies, so a
    new route is guarded the moment it declares Depends(kiosk_caller) or Depends(staff_caller)."""
    found = []
    for route in api_routes(app.router.routes):
        token = _needed_token(route.dependant)
        if token is None and console_urls.is_console_path(route.path):
            found.append((route, _console_policy(limits)))
            continue
        limit = max(limits.body_limit(method, route.path) for method in route.methods)
        found.append((route, RoutePolicy(token, limit)))
    return found


# --- The middleware --------------------------------------------------------------------------


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # h11 refuses a malformed Content-Length before we see it
    return None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str:
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return ""


async def _answer(
    send: Send,
    status: int,
    detail: str,
    *,
    close: bool,
    headers: dict[str, str] | None = None,
    page_of: Any = None,
) -> None:
    """A refusal: JSON {"detail": …}; or, with page_of (the app), the console's Japanese page."""
    if page_of is not None:
        retry_after = (headers or {}).get("Retry-After")
        body = refusal_document(page_of, status, door_message(status, retry_after))
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"detail": detail}).encode()
        content_type = b"application/json"
    raw = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """See the module docstring. app.state must hold the engine by the first request."""

    def __init__(self, app: ASGIApp, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.tokenless = RateLimiter(self.limits.tokenless, "requests without a token")
        self.failed_auth = RateLimiter(self.limits.failed_auth, "failed token checks")
        self._policies: list[tuple[Any, RoutePolicy]] | None = None

    def _policy(self, scope: Scope) -> RoutePolicy:
        if self._policies is None:  # routes are all added before the first request
            self._policies = policies(scope["app"], self.limits)
        for route, policy in self._policies:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return policy
        if console_urls.is_console_path(scope["path"]):  # its stylesheet, or a 404 to come
            return _console_policy(self.limits)
        return RoutePolicy(None, self.limits.small_body)  # a 404 or 405 to come

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        policy = self._policy(scope)
        declared = _content_length(headers)
        has_body = bool(declared) or any(name == b"transfer-encoding" for name, _ in headers)
        # Close (rather than let uvicorn read and drop it) a body that may be large.
        big = (declared is None and has_body) or (declared or 0) > policy.body_limit
        # h11 bounds headers that arrive in pieces (max_header_bytes in backend/server.py); a
        # header block that came in one read is whole before it could, so it is counted here.
        header_bytes = sum(len(name) + len(value) + 4 for name, value in headers)
        page_of = scope["app"] if policy.console else None
        if header_bytes > self.limits.max_header_bytes:
            await _answer(
                send, 431, "the request headers are too large", close=True, page_of=page_of
            )
            return
        address = client_key(scope.get("client"))

        if policy.console:
            try:
                visit = await resolve_visit(scope)
            except SQLAlchemyError:
                await _answer(send, 503, "database unavailable", close=big, page_of=page_of)
                return
            if visit.session is None:  # anonymous: the login page, a stale cookie, a stranger
                decision = self.tokenless.hit(address)
                if not decision.allowed:
                    await self._too_many(send, decision, self.tokenless.name, big, page_of)
                    return
        elif policy.token is None:
            decision = self.tokenless.hit(address)
            if not decision.allowed:
                await self._too_many(send, decision, self.tokenless.name, big)
                return
        else:
            decision = self.failed_auth.blocked(address)
            if not decision.allowed:
                await self._too_many(send, decision, self.failed_auth.name, big)
                return
            principal = await self._principal(scope, headers)
            if principal is None:
                self.failed_auth.hit(address)
                await _answer(
                    send,
                    401,
                    auth.UNAUTHENTICATED,
                    close=big,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                return
            if principal.kind is not policy.token:
                await _answer(send, 403, auth.needs(policy.token), close=big)
                return
            scope.setdefault("state", {})[auth.PRINCIPAL_STATE] = principal

        if declared is not None and declared > policy.body_limit:
            await _answer(send, 413, self._too_large(policy), close=True, page_of=page_of)
            return
        if not has_body:
            await self.app(scope, receive, send)
            return
        body = await self._read_body(receive, send, policy, page_of)
        if body is not None:
            await self.app(scope, _replay(body, receive), send)

    async def _read_body(
        self, receive: Receive, send: Send, policy: RoutePolicy, page_of: Any = None
    ) -> bytes | None:
        """The whole body, counted and paced; or None when it was refused here (413, 408) or the
        client left. Read here rather than by the app so that a refused body is dropped at once:
        cut off inside the app, it would end in an exception whose traceback keeps the gathered
        chunks alive until the garbage collector's next full pass (measured: +30 MB per
        refused body). Nothing here raises, so nothing keeps them."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        chunks: list[bytes] = []
        received = 0
        while True:
            # After the grace period, the body must have averaged min_body_rate bytes/s.
            rate = max(1, self.limits.min_body_rate)
            deadline = started + self.limits.body_grace_s + received / rate
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                await _answer(
                    send, 408, "the request body arrived too slowly", close=True, page_of=page_of
                )
                return None
            if message["type"] != "http.request":  # the client is gone: nobody to answer
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > policy.body_limit:
                await _answer(send, 413, self._too_large(policy), close=True, page_of=page_of)
                return None
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _principal(self, scope: Scope, headers) -> Principal | None:
        scheme, token = get_authorization_scheme_param(_header(headers, b"authorization"))
        if scheme.lower() != "bearer" or not token:
            return None
        engine = scope["app"].state.engine
        return await run_in_threadpool(authenticate, engine, token)  # never block the loop

    @staticmethod
    async def _too_many(send: Send, decision, what: str, close: bool, page_of: Any = None) -> None:
        detail = f"too many {what} from this address; try again in {decision.retry_after_s} s"
        headers = {"Retry-After": str(decision.retry_after_s)}
        await _answer(send, 429, detail, close=close, headers=headers, page_of=page_of)

    @staticmethod
    def _too_large(policy: RoutePolicy) -> str:
        return f"the request body is larger than this endpoint takes ({policy.body_limit} bytes)"


def _replay(body: bytes, receive: Receive) -> Receive:
    """The app's receive: the body read at the door, in one message; then the server's own
    (a wait for the client's disconnect)."""
    pending: list[bytes] = [body]

    async def replayed() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replayed
