"""Database engine and sessions: built by the app factory from settings, never at import time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """Normalise ``postgresql://`` / ``postgres://`` URLs to the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class DatabaseUnavailable(ConnectionError):
    """PostgreSQL cannot be reached: down, restarting, or refusing connections. A ``ConnectionError``,
    so code that already treats a lost socket as transient keeps doing so."""


# no connection possible right now: shutting down or starting up (57P0x), too many clients (53300),
# connection failures (08xxx)
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300", "08000", "08001", "08004", "08006"})


def _sqlstate(exc: BaseException | None) -> str | None:
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


def is_unavailable(exc: BaseException) -> bool:
    """PostgreSQL refused or dropped us for reasons of its own, not of the statement."""
    return isinstance(exc, DatabaseUnavailable) or _sqlstate(getattr(exc, "orig", None)) in UNAVAILABLE_SQLSTATES


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Open a connection as SQLAlchemy would. asyncpg raises the socket's own error when PostgreSQL is not
    there (refused, no socket file, timeout), which SQLAlchemy passes on unwrapped: name it, so it is
    told apart from a bug of ours."""
    try:
        return dialect.loaded_dbapi.connect(*cargs, **cparams)
    except OSError as exc:
        raise DatabaseUnavailable(f"PostgreSQL is unreachable: {type(exc).__name__}: {exc}") from exc


def make_engine(url: str, *, pool_size: int = 10, pool_timeout_s: float = 30.0) -> AsyncEngine:
    """An asyncpg engine; connections are opened lazily on first use. A request that waits
    ``pool_timeout_s`` for a connection is answered 503 (server busy), not left waiting."""
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout_s,
        # no pre-ping round trip per checkout: a connection found dead (database restarted) is
        # invalidated with the whole pool, and the command runs again on a fresh one (``is_retryable``)
        pool_pre_ping=False,
        pool_recycle=1800,
    )
    event.listen(engine.sync_engine, "do_connect", _connect)
    return engine


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


# Called with (asyncpg connection, statement, arguments) before each statement sent through ``Pg``;
# only the SQL trace of the benchmarks installs one (server/sql_trace.py).
STATEMENT_HOOKS: list[Callable[[asyncpg.Connection, str, tuple[Any, ...]], None]] = []


class Pg:
    """The session's own asyncpg connection, inside the session's transaction, for the hot paths.

    A statement through SQLAlchemy's session costs about 150 µs of the server's CPU, straight through
    asyncpg about 50 µs; an order runs some 30 of them. Statements use ``$1`` parameters and return
    asyncpg records (by index or name); json and jsonb go in as text and come back decoded, by the
    codecs SQLAlchemy set on the connection.
    Errors come out as SQLAlchemy's ``DBAPIError``, so the problem handlers and the retry of conflicts
    see one kind.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self._run(self._conn.fetch, sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self._run(self._conn.fetchrow, sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._run(self._conn.fetchval, sql, *args)

    async def execute(self, sql: str, *args: Any) -> None:
        await self._run(self._conn.execute, sql, *args)

    async def _run(self, method: Callable[..., Awaitable[Any]], sql: str, *args: Any) -> Any:
        for hook in STATEMENT_HOOKS:
            hook(self._conn, sql, args)
        try:
            return await method(sql, *args)
        except asyncpg.PostgresError as exc:
            raise DBAPIError(sql, args, exc) from exc


async def pg(db: AsyncSession) -> Pg:
    """The session's connection as ``Pg``, its transaction begun (unless the session autocommits)."""
    connection = await db.connection()
    fairy = await connection.get_raw_connection()
    adapted: Any = fairy.dbapi_connection
    driver: asyncpg.Connection = fairy.driver_connection
    if not adapted.autocommit and not driver.is_in_transaction():
        # SQLAlchemy begins the database transaction with its first statement; statements sent
        # straight to asyncpg before it would run outside the transaction
        await connection.execute(_BEGIN)
    return Pg(driver)


_BEGIN = text("SELECT 1")
