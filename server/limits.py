"""Input is bounded before it is read: headers, the path, the body (from Content-Length and while it
streams), and for JSON bodies their nesting, lines per document and quantities. Limits come from
settings (``FLOORSYNC_MAX_*``); a route that takes big streamed bodies (a bulk import) says so with
``opt={"max_body_bytes": N}`` (or ``None`` for no cap) and then reads ``request.stream()`` itself."""

from __future__ import annotations

from typing import Any, cast

import msgspec
from litestar.types import ASGIApp, HTTPRequestEvent, HTTPScope, Receive, ReceiveMessage, Scope, Send

from server.json_shape import nesting_exceeds, shape_error
from server.problems import PROBLEM_JSON, Problem, problem_body
from server.settings import Settings

BODY_LIMIT_OPT = "max_body_bytes"
WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_JSON = (b"multipart/", b"application/x-www-form-urlencoded", b"application/octet-stream", b"text/csv")


def _too_large(limit: int) -> Problem:
    return Problem(413, "request.too_large", f"The request body is over {limit} bytes; send less, or split it.")


def _check_head(scope: Scope, settings: Settings) -> None:
    """The request line and headers (the server process also stops reading a head past the limit)."""
    size = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
    size += sum(len(name) + len(value) for name, value in scope.get("headers", ()))
    if size > settings.max_header_bytes:
        raise Problem(
            431, "request.headers_too_large", f"Request headers are over {settings.max_header_bytes} bytes."
        )
    if "\x00" in scope["path"]:
        raise Problem(400, "request.invalid_path", "The address holds a NUL character; check the link.")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _body_limit(scope: Scope, settings: Settings) -> tuple[int | None, bool]:
    """(cap, streamed): a route's own cap streams its body to it; every other body is read here."""
    opt: dict[str, Any] = getattr(scope.get("route_handler"), "opt", None) or {}
    if BODY_LIMIT_OPT in opt:
        return opt[BODY_LIMIT_OPT], True
    return settings.max_body_bytes, False


def _declared_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Problem(400, "request.invalid", "Content-Length is not a number.")
    return int(raw)


async def _read_capped(receive: Receive, limit: int | None) -> bytes | None:
    """The whole body, refused as soon as it passes ``limit``; None if the client went away."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` for a streamed body: passes chunks on until the total passes ``limit``."""
    size = 0

    async def counted() -> ReceiveMessage:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise _too_large(limit)
        return message

    return counted


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` that hands out the body already read, then waits on the real one (for a disconnect)."""
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return HTTPRequestEvent(type="http.request", body=body, more_body=False)
        return await receive()

    return replay


def check_json_body(scope: Scope, body: bytes, settings: Settings) -> None:
    """Refuse a JSON body nested too deep (before any decoder recurses into it), with too many lines in
    a document, or a quantity out of bounds. Malformed JSON is left to the route's own decoding."""
    content_type = (_header(scope, b"content-type") or b"").lower()
    if not body or content_type.startswith(_NOT_JSON):
        return
    if nesting_exceeds(body, settings.max_json_depth):
        raise Problem(
            400, "request.too_deep", f"JSON nests at most {settings.max_json_depth} arrays and objects deep."
        )
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return
    refused = shape_error(document, max_lines=settings.max_document_lines, max_quantity=settings.max_quantity)
    if refused is not None:
        raise Problem(422, refused.code, refused.detail, at=refused.at)


class InputLimitsMiddleware:
    """Runs before anything reads the request (after the request log, so refusals are logged and
    counted): nothing past it sees input over the limits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            passed = await self._bounded(scope, receive)
        except Problem as refused:
            await _send_problem(send, scope, refused)
            return
        if passed is not None:
            await self.app(scope, passed, send)

    @staticmethod
    async def _bounded(scope: Scope, receive: Receive) -> Receive | None:
        """``receive`` for the rest of the app once the request is within the limits (None: the client left)."""
        settings: Settings = scope["app"].state.settings
        _check_head(scope, settings)
        limit, streamed = _body_limit(scope, settings)
        declared = _declared_length(scope)
        if limit is not None and declared is not None and declared > limit:
            raise _too_large(limit)  # refused before a byte of it is read
        if cast(HTTPScope, scope)["method"] not in WITH_BODY or declared == 0:
            return receive
        if streamed:
            return receive if limit is None else _counting(receive, limit)
        body = await _read_capped(receive, limit)
        if body is None:
            return None
        check_json_body(scope, body, settings)
        return _replaying(body, receive)


async def _send_problem(send: Send, scope: Scope, refused: Problem) -> None:
    body = problem_body(refused.status_code, refused.code, refused.detail, scope["path"], **refused.fields)
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    # no "connection: close": closing a socket with unread input resets it, and the client may lose this
    # answer; kept alive, uvicorn discards the rest of the body as it arrives (never holding it)
    await send({"type": "http.response.start", "status": refused.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
