"""Dependencies handed to route handlers by name."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.context import AuthContext
from server.auth.principal import current_principal
from server.auth.tokens import Principal


def provide_db(request: Request[Any, Any, Any]) -> AsyncSession:
    """The request's session; the transaction middleware commits or rolls it back."""
    session: AsyncSession = request.scope["state"]["db"]
    return session


def provide_auth(request: Request[Any, Any, Any]) -> AuthContext:
    ctx: AuthContext = request.app.state.auth
    return ctx


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return current_principal(request)


DEPENDENCIES = {
    "db": Provide(provide_db, sync_to_thread=False),
    "auth": Provide(provide_auth, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}

# Handler parameter types: the parameter name picks the dependency, the type documents it.
Db = NamedDependency[AsyncSession]
Auth = NamedDependency[AuthContext]
Caller = NamedDependency[Principal]
