"""Every database connection busy for longer than the server waits for one: a 503 problem that says
to send again, never a 500, and the same request sent later is applied once."""

from __future__ import annotations

import contextlib
import secrets

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.settings import Settings
from tests.conftest import DEMO_PASSWORDS, app_with, new_key
from tests.live import serve


async def test_no_free_database_connection_is_a_503_to_send_again_and_writes_nothing(
    seeded: Settings, db: async_sessionmaker[AsyncSession]
) -> None:
    app = app_with(seeded, db_pool_timeout_s=0.5)
    name = f"busy-{secrets.token_hex(3)}"
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        login = await http.post("/api/auth/login", json={"username": "super1", "password": DEMO_PASSWORDS["super1"]})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}", "Idempotency-Key": new_key()}
        engine = app.state.engine
        async with contextlib.AsyncExitStack() as held:
            for _ in range(2 * engine.pool.size()):  # every connection it may open (make_engine: as many overflow)
                await held.enter_async_context(engine.connect())
            busy = await http.post("/api/devices/", json={"name": name, "platform": "test"}, headers=headers)
            read = await http.get("/api/warehouses", headers={"Authorization": headers["Authorization"]})
        assert busy.status_code == read.status_code == 503, (busy.text, read.text)
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert busy.json()["code"] == read.json()["code"] == "server.busy"
        assert busy.headers["retry-after"] == "1"
        async with db() as session:
            assert await session.scalar(text("SELECT count(*) FROM devices WHERE name = :n"), {"n": name}) == 0

        again = await http.post("/api/devices/", json={"name": name, "platform": "test"}, headers=headers)
        assert again.status_code == 201, again.text
        async with db() as session:
            assert await session.scalar(text("SELECT count(*) FROM devices WHERE name = :n"), {"n": name}) == 1
