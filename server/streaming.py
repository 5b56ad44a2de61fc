"""Wires realtime into the app: the outbox relay and the WebSocket gateway live as long as the app, and
every committed command wakes the relay of the warehouses it wrote events for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.clients import redis_client
from realtime.gateway import Gateway
from realtime.keys import Keys
from realtime.positions import stream_position
from realtime.relay_thread import RelayThread
from server.outbox import touched_warehouses


@asynccontextmanager
async def realtime_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Start the relay and gateway (after the app's own lifespan has built engine and Redis)."""
    settings = app.state.settings
    keys = Keys(settings.redis_namespace)
    gateway_redis = redis_client(settings.redis_url or "", socket_timeout=10)
    sessionmaker = app.state.sessionmaker

    async def pg_position(warehouse: str) -> dict[str, Any]:
        async with sessionmaker() as db:
            return await stream_position(db, warehouse)

    async def session_active(session_id: str) -> bool:
        active: bool = await app.state.session_check.is_active(uuid.UUID(session_id))
        return active

    relay = RelayThread(settings.database_url or "", settings.redis_url or "", keys)
    gateway = Gateway(gateway_redis, keys, pg_position=pg_position, session_active=session_active)

    async def after_commit(session: AsyncSession) -> None:
        touched = touched_warehouses(session)
        if touched:
            relay.wake(touched)

    app.state.realtime_keys = keys
    app.state.realtime_redis = gateway_redis
    app.state.relay = relay
    app.state.gateway = gateway
    app.state.after_commit = after_commit
    await asyncio.to_thread(relay.start)
    await gateway.start()
    try:
        yield
    finally:
        app.state.after_commit = None
        await gateway.stop()
        await asyncio.to_thread(relay.stop)
        await gateway_redis.aclose()
