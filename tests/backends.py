"""Real PostgreSQL and Redis for tests: the configured or machine's services, else embedded ones.

Each test run gets its own fresh database and Redis key namespace, so runs never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from server.embedded import embedded_backends

MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
MACHINE_REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True, slots=True)
class TestBackends:
    database_url: str
    redis_url: str
    redis_namespace: str


def reachable(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def test_backends() -> AsyncIterator[TestBackends]:
    """Yield backends for one test run; drop its database afterwards."""
    admin_url = os.environ.get("FLOORSYNC_TEST_DATABASE_URL")
    redis_url = os.environ.get("FLOORSYNC_TEST_REDIS_URL")
    with contextlib.ExitStack() as stack:
        want_pg = admin_url is None and not reachable("127.0.0.1", 5432)
        want_redis = redis_url is None and not reachable("127.0.0.1", 6379)
        if want_pg or want_redis:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fs-test-")))
            started = stack.enter_context(embedded_backends(data_dir, postgres=want_pg, redis=want_redis))
            admin_url = admin_url or started.get("database_url")
            redis_url = redis_url or started.get("redis_url")
        admin_url = admin_url or MACHINE_POSTGRES
        redis_url = redis_url or MACHINE_REDIS
        name = f"fs_test_{os.getpid()}_{secrets.token_hex(3)}"
        admin = await asyncpg.connect(_asyncpg_dsn(admin_url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                yield TestBackends(
                    database_url=make_url(admin_url).set(database=name).render_as_string(hide_password=False),
                    redis_url=redis_url,
                    redis_namespace=f"fs-test-{name}",
                )
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


# How long a condition may take to come true on a loaded 2-core machine (a factor of ten slower than
# an idle one is common). A passing test never waits it out: every wait returns as soon as it holds.
PATIENCE_S = 120.0


async def wait_until(predicate, *, timeout_s: float = PATIENCE_S, interval_s: float = 0.02, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` (sync or async) until it returns a truthy value or the deadline passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(interval_s)  # polling interval, not a wait for an outcome
