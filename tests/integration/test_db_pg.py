"""Statements sent straight through asyncpg (``server.db.pg``) run in the session's transaction and
fail the way SQLAlchemy's do, so the problem handlers and the retries treat both alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import is_retryable, pg


async def test_straight_statements_share_the_sessions_transaction(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as session:
        conn = await pg(session)  # the session's first statement: the transaction begins here
        await conn.execute("CREATE TEMP TABLE pg_probe (n int) ON COMMIT DROP")
        await conn.execute("INSERT INTO pg_probe VALUES ($1)", 7)
        seen = await session.scalar(text("SELECT n FROM pg_probe"))  # SQLAlchemy, same transaction
        assert seen == 7
        await session.rollback()
    async with db() as session:
        gone = await (await pg(session)).fetchval("SELECT to_regclass('pg_temp.pg_probe') IS NULL")
        assert gone is True


async def test_errors_come_out_as_sqlalchemys_with_their_sqlstate(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as session:
        conn = await pg(session)
        with pytest.raises(DBAPIError) as refused:
            await conn.fetchval("SELECT 1 / $1::int", 0)
        assert getattr(refused.value.orig, "sqlstate", None) == "22012"
        assert not is_retryable(refused.value)
