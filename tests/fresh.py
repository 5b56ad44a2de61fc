"""A database of its own for tests that run their own relay or servers (fault tests), so no other
relay of the test run competes for its warehouses."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
from sqlalchemy.engine import make_url

from server.db import make_engine
from server.migrate import upgrade
from server.seed import seed_demo
from server.settings import Settings


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def fresh_settings(base: Settings, *, redis_url: str | None = None, seed: bool = True) -> AsyncIterator[Settings]:
    """``base`` pointed at a new, migrated (and demo-seeded) database and a new Redis namespace."""
    assert base.database_url is not None
    name = f"fs_rt_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(_admin_dsn(base.database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(base.database_url).set(database=name).render_as_string(hide_password=False)
        settings = replace(
            base, database_url=url, redis_url=redis_url or base.redis_url, redis_namespace=f"fs-test-{name}"
        )
        engine = make_engine(url, pool_size=1)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        if seed:
            await seed_demo(settings)
        yield settings
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
