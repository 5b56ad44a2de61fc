"""A real HTTP + WebSocket server for realtime tests: the app under uvicorn on the tests' own loop.

Unlike the ``client`` fixture (AsyncTestClient, another loop, no real sockets), this serves real
WebSockets on a free port, so the scanners client and the websockets library talk to it as a
handheld would.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.events import CATALOGUE, TaskEvent
from domain.events.tasks import PREVIOUS_KEY
from realtime.relay import CHANNEL, LOCK_CLASS
from scanners.client import Handheld
from server.outbox import emit
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.conftest import DEMO_PASSWORDS, app_with


@contextlib.asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[str]:
    """Serve ``app`` on a free port until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="on",
            proxy_headers=False,  # as `floorsync serve` runs it: the app alone decides whom to trust
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started or task.done(), what="uvicorn to start")
        if task.done():
            task.result()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def live_url(seeded: Settings) -> AsyncIterator[str]:
    """One real server for the realtime tests (its relay shares the test database and Redis namespace)."""
    async with serve(app_with(seeded)) as url:
        yield url


@contextlib.asynccontextmanager
async def handheld(url: str, username: str, *, device: str | None = None) -> AsyncIterator[Handheld]:
    """A logged-in handheld (registered as a device when ``device`` names one)."""
    client = Handheld(url)
    try:
        await client.login(username, DEMO_PASSWORDS[username])
        if device is not None:
            await client.register(device)
        yield client
    finally:
        await client.close()


async def produce(
    db: async_sessionmaker[AsyncSession], warehouse: str, count: int, *, event_type: str = "task.created", **data: Any
) -> list[str]:
    """Commit ``count`` catalogue events of ``event_type`` the way commands do (outbox rows in one
    transaction); ``data`` also gives their routing fields by their keys in ``data``. Returns entity ids."""
    kind = CATALOGUE[event_type]
    routing: dict[str, Any] = {name: data.get(key) for name, key in kind.ROUTES}
    if issubclass(kind, TaskEvent):
        routing["handed_over"] = PREVIOUS_KEY in data
    async with db() as session, session.begin():
        ids = []
        for _ in range(count):
            number = await session.scalar(text("SELECT nextval('outbox_events_id_seq')"))
            entity_id = f"{event_type}-{number}"
            ids.append(entity_id)
            event = kind(warehouse=warehouse, entity_id=entity_id, version=1, data={"id": entity_id, **data}, **routing)
            await emit(session, event)
        # what another instance's after-commit does: wake the warehouse's relay wherever it runs
        await session.execute(text("SELECT pg_notify(:c, :w)"), {"c": CHANNEL, "w": warehouse})
    return ids


async def published_through(db: async_sessionmaker[AsyncSession], warehouse: str) -> int:
    """The last seq the relay published for the warehouse."""
    async with db() as session:
        value = await session.scalar(
            text("SELECT coalesce(max(seq), 0) FROM outbox_events WHERE warehouse = :w AND published_at IS NOT NULL"),
            {"w": warehouse},
        )
    return int(value or 0)


@contextlib.asynccontextmanager
async def owned_warehouse(db: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """A new warehouse whose relay lock the test holds, so the test drives its publisher by hand."""
    code = "T" + secrets.token_hex(3).upper()
    engine: AsyncEngine = db.kw["bind"]
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SELECT pg_advisory_lock(:c, hashtext(:w))"), {"c": LOCK_CLASS, "w": code})
        await conn.execute(
            text("INSERT INTO warehouses (code, name, timezone, currency) VALUES (:w, :w, 'UTC', 'EUR')"), {"w": code}
        )
        yield code
