"""Database engine and sessions: built by the app factory from settings, never at import time."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Normalise ``postgresql://`` / ``postgres://`` URLs to the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine; connections are opened lazily on first use."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # no pre-ping round trip per checkout: a connection found dead (database restarted) is
        # invalidated with the whole pool, and the command runs again on a fresh one (``is_retryable``)
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected


def is_retryable(exc: BaseException) -> bool:
    """A conflict or a lost connection that a fresh attempt of the same command can resolve."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and sqlstate in RETRYABLE_SQLSTATES
