"""Pooled connections that the database dropped (a restart, a failover) cost no command: the pool
skips the per-checkout ping, so the first use finds the connection dead and the command runs again
on a fresh one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.settings import Settings
from tests.conftest import app_with, auth_headers


async def _terminate(db: async_sessionmaker[AsyncSession], pids: list[int]) -> None:
    """Drop every live connection of ``pids``, as a database restart would."""
    async with db() as session:
        killed = await session.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid = ANY(:p)"), {"p": pids}
        )
        assert killed.scalar_one() > 0


@pytest.mark.parametrize("keyed", [True, False], ids=["idempotency-key", "plain"])
async def test_commands_survive_connections_the_database_dropped(
    seeded: Settings, db: async_sessionmaker[AsyncSession], keyed: bool
) -> None:
    app = app_with(seeded)
    async with AsyncTestClient(app) as client:
        pids: list[int] = []
        disconnects: list[bool] = []

        def remember(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            pids.append(dbapi_connection.driver_connection.get_server_pid())

        def seen(context: Any) -> None:
            disconnects.append(context.is_disconnect)

        # checkouts, not connects: background workers (relay, webhooks) may have opened the pool already
        event.listen(app.state.engine.sync_engine.pool, "checkout", remember)
        event.listen(app.state.engine.sync_engine, "handle_error", seen)
        headers = await auth_headers(client, "super1")
        prefix = "RC" + uuid.uuid4().hex[:6].upper()

        def location(code: str) -> dict[str, str]:
            return {"code": f"{prefix}-{code}", "zone": "RC", "kind": "storage"}

        for n in range(3):
            created = await client.post("/api/warehouses/WH1/locations", headers=headers, json=location(str(n)))
            assert created.status_code == 201, created.text
        assert pids, "the app used no connection of its own"

        await _terminate(db, pids)
        if keyed:  # the Idempotency-Key row is the first statement, in the transaction middleware
            headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        after = await client.post("/api/warehouses/WH1/locations", headers=headers, json=location("X"))
        assert after.status_code == 201, after.text
        assert True in disconnects, "the command never met a dropped connection"

    async with db() as session:
        codes = await session.execute(
            text("SELECT code FROM locations WHERE code LIKE :p ORDER BY code"), {"p": f"{prefix}-%"}
        )
        assert [c for (c,) in codes] == [f"{prefix}-{n}" for n in ("0", "1", "2", "X")]
