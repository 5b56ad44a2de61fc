"""Backend clients built the way realtime needs them: fail fast when a backend is down, and replace
a connection that died with a restarted Redis instead of failing the call."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def redis_client(url: str, *, socket_timeout: float, max_connections: int = 256) -> aioredis.Redis:
    """A Redis client with timeouts and one quick retry on a dropped connection. Its pool is bounded
    and a burst (a thousand sockets reconnecting) waits for a free connection instead of failing."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=socket_timeout,
        socket_connect_timeout=2,
        socket_timeout=socket_timeout,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
    return aioredis.Redis.from_pool(pool)  # closing the client closes its pool


def engine_for(url: str, *, pool_size: int = 4) -> AsyncEngine:
    """An asyncpg engine for ``postgresql://`` URLs."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+asyncpg")
    # no ping before each checkout: the relay retries any failed pass, and a dead connection found
    # then is replaced with the whole pool
    return create_async_engine(parsed.render_as_string(hide_password=False), pool_size=pool_size)
