"""Every error as RFC 9457 ``application/problem+json`` with a stable machine ``code``."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain.errors import Category, DomainError
from server.db import DatabaseUnavailable, is_retryable, is_unavailable

log = logging.getLogger("floorsync.errors")

PROBLEM_JSON = "application/problem+json"
DB_RETRY_AFTER_S = 5  # long enough for a restart or failover to finish, short enough for a handheld to wait

# The one place a domain error's category becomes an HTTP status.
CATEGORY_STATUS: dict[Category, int] = {
    Category.NOT_FOUND: 404,
    Category.CONFLICT: 409,
    Category.REJECTED: 422,
    Category.INVALID: 422,
    Category.FORBIDDEN: 403,
    Category.BROKEN: 500,
}

# Litestar raises HTTPExceptions for routing, validation and auth; each gets a stable code.
_HTTP_CODES = {
    400: ("request.invalid", "The request is not valid."),
    401: ("auth.unauthenticated", "Log in again: the request carries no valid access token."),
    403: ("auth.forbidden", "Your role or warehouse does not allow this."),
    404: ("request.not_found", "Nothing is at this address."),
    405: ("request.method_not_allowed", "This address does not accept that method."),
    413: ("request.too_large", "The request body is too large."),
    415: ("request.unsupported_media_type", "Send JSON (Content-Type: application/json)."),
    429: ("request.rate_limited", "Too many attempts; wait and try again."),
    503: ("service.unavailable", "A backend is unavailable; try again shortly."),
}


class Problem(HTTPException):
    """An HTTP error with a stable code, raised only at the HTTP edge (routes, guards, middleware, auth,
    request parsing); services raise a category of ``domain.errors.DomainError`` instead."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(status_code=status, detail=detail)
        self.code = code
        self.fields = extra


def problem_body(status: int, code: str, detail: str, instance: str = "", **extra: Any) -> bytes:
    """The encoded problem document; also used by middleware that answers before any route."""
    body: dict[str, Any] = {
        "type": f"https://floorsync.dev/problems/{code}",
        "title": code,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return msgspec.json.encode(body)


def problem_response(
    request: Request[Any, Any, Any], status: int, code: str, detail: str, **extra: Any
) -> Response[bytes]:
    headers = extra.pop("headers", None)
    return Response(
        content=problem_body(status, code, detail, request.url.path, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def domain_status(exc: DomainError) -> int:
    """The HTTP status a domain error answers with, by its category."""
    return CATEGORY_STATUS[exc.category]


def _on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    return problem_response(request, domain_status(exc), exc.code, exc.message, **exc.details)


def _on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if isinstance(exc, Problem):
        return problem_response(request, status, exc.code, exc.detail, **exc.fields)
    extra: dict[str, Any] = {}
    code, default_detail = _HTTP_CODES.get(status, (f"http.{status}", "The request failed."))
    if isinstance(exc, ValidationException):
        code = "request.invalid"
        errors = exc.extra if isinstance(exc.extra, list) else []
        extra["errors"] = errors
        fields = "; ".join(f"{e.get('key', '?')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
        detail = "Some fields are missing or malformed" + (f": {fields}" if fields else ".")
    else:
        detail = exc.detail if exc.detail and exc.detail != _default_reason(status) else default_detail
    if exc.headers:
        extra["headers"] = exc.headers
    return problem_response(request, status, code, detail, **extra)


def _default_reason(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "server.error", "Something went wrong on the server; it has been logged.")


def _number_out_of_range(exc: DBAPIError) -> bool:
    """A number too large for its column: asyncpg refuses to send it (22000, "out of int64 range") or
    PostgreSQL overflows on it (22003). Such numbers come from the request (a path id, an offset)."""
    orig = getattr(exc, "orig", None)
    cause = getattr(orig, "__cause__", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
    return sqlstate == "22003" or (sqlstate == "22000" and "out of int" in str(cause or orig))


def _unstorable_text(exc: DBAPIError) -> bool:
    """Text PostgreSQL cannot store (a NUL character: 22021); it can only have come from the request."""
    orig = getattr(exc, "orig", None)
    return "22021" in (getattr(orig, "sqlstate", None), getattr(getattr(orig, "__cause__", None), "sqlstate", None))


def _on_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[bytes]:
    if _number_out_of_range(exc):
        return problem_response(
            request, 422, "request.out_of_range", "A number in the request is too large; check the ids and amounts."
        )
    if _unstorable_text(exc):
        return problem_response(
            request, 422, "request.invalid_character", "Some text in the request holds a character (NUL) not allowed."
        )
    if _too_many_connections(exc):
        return _server_busy(request)
    if is_unavailable(exc) and not exc.connection_invalidated:
        return _on_database_unavailable(request, exc)
    if is_retryable(exc):
        # the transaction middleware sees this flag and runs the command again on a fresh transaction
        request.scope["state"]["retryable"] = True
        if exc.connection_invalidated:
            return problem_response(
                request, 503, "db.reconnected", "The database connection was renewed; send the request again."
            )
        return problem_response(
            request, 503, "db.conflict", "The warehouse was busy with the same stock; send the command again."
        )
    return _on_unexpected(request, exc)


def _on_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    # the cause goes to the log, not to the client: it names hosts, sockets and drivers
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        503,
        "db.unavailable",
        f"The database is unavailable; nothing was saved. Try again in {DB_RETRY_AFTER_S} seconds.",
        headers={"Retry-After": str(DB_RETRY_AFTER_S)},
    )


def _too_many_connections(exc: DBAPIError) -> bool:
    """PostgreSQL refused a new connection (53300: all its connection slots are taken)."""
    orig = getattr(exc, "orig", None)
    return "53300" in (getattr(orig, "sqlstate", None), getattr(getattr(orig, "__cause__", None), "sqlstate", None))


def _on_pool_timeout(request: Request[Any, Any, Any], exc: PoolTimeout) -> Response[bytes]:
    return _server_busy(request)


def _server_busy(request: Request[Any, Any, Any]) -> Response[bytes]:
    # no database connection to be had (all of ours busy for the whole wait, or PostgreSQL full):
    # overload, not a fault; nothing was written, and the same request sent a little later succeeds
    log.warning("no database connection for %s %s: answering 503", request.method, request.url.path)
    return problem_response(
        request, 503, "server.busy", "The server is busy; send the request again in a moment.",
        headers={"Retry-After": "1"},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _on_domain_error,
    DatabaseUnavailable: _on_database_unavailable,
    PoolTimeout: _on_pool_timeout,
    DBAPIError: _on_database_error,
    HTTPException: _on_http_exception,
    Exception: _on_unexpected,
}
