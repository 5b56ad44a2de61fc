"""Who is calling, on every request and socket, and the guards that check role and warehouse."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.auth.tokens import Principal, decode_access_token
from server.problems import Problem

ROLES = ("picker", "receiver", "sales_rep", "supervisor", "admin")
ALL_ROLES = frozenset(ROLES)


class SessionCheck:
    """Is a login still valid? Cached briefly so revocation costs no query on the scan hot path.

    A disabled user or device, a logout, or refresh-token reuse revokes the session; access tokens
    from it stop working within ``ttl_s``.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, ttl_s: float = 1.0) -> None:
        self._sessionmaker = sessionmaker
        self._ttl_s = ttl_s
        self._cache: dict[uuid.UUID, tuple[bool, float]] = {}

    async def is_active(self, session_id: uuid.UUID) -> bool:
        now = time.monotonic()
        cached = self._cache.get(session_id)
        if cached and now - cached[1] < self._ttl_s:
            return cached[0]
        active = await self._read(session_id)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[session_id] = (active, now)
        return active

    async def _read(self, session_id: uuid.UUID) -> bool:
        for attempt in (1, 2):
            try:
                async with self._sessionmaker() as db:
                    row = await db.execute(
                        text("SELECT revoked_at IS NULL FROM auth_sessions WHERE id = :sid"), {"sid": session_id}
                    )
                    return bool(row.scalar())
            except DBAPIError as exc:
                if not exc.connection_invalidated or attempt == 2:
                    raise  # a pooled connection died (database restart): the second try takes a fresh one
        raise AssertionError("unreachable")

    def forget(self, session_id: uuid.UUID) -> None:
        self._cache.pop(session_id, None)


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
    return None


class PrincipalMiddleware:
    """Sets ``scope["user"]`` to the caller's Principal, or None; guards decide what that allows."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["user"] = await _principal(scope)
        await self.app(scope, receive, send)


async def _principal(scope: Scope) -> Principal | None:
    token = bearer_token(scope)
    if token is None:
        return None
    state = scope["app"].state
    principal = decode_access_token(token, secret=state.settings.secret_key)
    if principal is None or not await state.session_check.is_active(principal.session_id):
        return None
    return principal


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller, or a 401 problem."""
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal):
        raise Problem(401, "auth.unauthenticated", "Log in again: no valid access token was sent.")
    return principal


def ensure_warehouse(principal: Principal, warehouse: str) -> None:
    """403 unless the caller works in ``warehouse`` (admins work in all)."""
    if not principal.may_access(warehouse):
        raise Problem(
            403,
            "auth.wrong_warehouse",
            f"You are not assigned to warehouse {warehouse}.",
            warehouse=warehouse,
        )


def requires(*roles: str) -> Any:
    """A guard: the caller is logged in, has one of ``roles`` (admin always passes), and may work in
    the ``{warehouse}`` of the path when there is one."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    allowed = frozenset(roles) | {"admin"}

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        # async: Litestar would run a sync guard in a worker thread, a costly hand-off per request
        principal = current_principal(connection)
        if not principal.roles & allowed:
            raise Problem(
                403,
                "auth.forbidden",
                "Your role does not allow this; it needs one of: " + ", ".join(sorted(allowed)),
                required_roles=sorted(allowed),
            )
        warehouse = connection.path_params.get("warehouse")
        if warehouse is not None:
            ensure_warehouse(principal, warehouse)

    return guard


AUTHENTICATED = requires(*ROLES)
