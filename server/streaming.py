"""Wires realtime into the app: the outbox relay and the WebSocket gateway live as long as the app, and
every committed command wakes the relay of the warehouses it wrote events for."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from litestar import Litestar
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from realtime.gateway import Gateway
from realtime.keys import Keys
from realtime.positions import stream_position
from realtime.relay import Relay
from server.outbox import touched_warehouses


@asynccontextmanager
async def realtime_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Start the relay and gateway (after the app's own lifespan has built engine and Redis)."""
    settings = app.state.settings
    keys = Keys(settings.redis_namespace)
    url = settings.redis_url or ""
    # own clients with timeouts (a stopped Redis must fail fast, never hang a relay pass) and a quick
    # retry, so a connection that died with a restarted Redis is replaced instead of failing a request
    options: dict[str, Any] = {
        "socket_connect_timeout": 2,
        "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }
    relay_redis = aioredis.from_url(url, socket_timeout=5, **options)
    gateway_redis = aioredis.from_url(url, socket_timeout=10, **options)
    sessionmaker = app.state.sessionmaker

    async def pg_position(warehouse: str) -> dict[str, Any]:
        async with sessionmaker() as db:
            return await stream_position(db, warehouse)

    async def session_active(session_id: str) -> bool:
        active: bool = await app.state.session_check.is_active(uuid.UUID(session_id))
        return active

    relay = Relay(app.state.engine, relay_redis, keys)
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
    await relay.start()
    await gateway.start()
    try:
        yield
    finally:
        app.state.after_commit = None
        await gateway.stop()
        await relay.stop()
        await relay_redis.aclose()
        await gateway_redis.aclose()
