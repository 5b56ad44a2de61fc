"""A real ``floorsync serve`` process on a database of its own, for the load tests."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.processes import floorsync, stop

REPO = Path(__file__).resolve().parents[2]


async def _ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient() as http:
            return (await http.get(f"{url}/readyz", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.asynccontextmanager
async def serving(settings: Settings, data_dir: Path) -> AsyncIterator[str]:
    """Serve ``settings``' database and Redis namespace from a separate process; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(
        FLOORSYNC_DATABASE_URL=settings.database_url or "",
        FLOORSYNC_REDIS_URL=settings.redis_url or "",
        FLOORSYNC_REDIS_NAMESPACE=settings.redis_namespace,
        FLOORSYNC_SECRET_KEY=settings.secret_key,
        FLOORSYNC_DATA_DIR=str(data_dir),
        FLOORSYNC_PORT=str(port),
        FLOORSYNC_LOG_LEVEL="warning",
    )
    process = floorsync("serve", env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until(lambda: _ready(url) if process.poll() is None else True, timeout_s=90, what="server ready")
        assert process.poll() is None, (process.stdout.read() if process.stdout else b"").decode()[-3000:]
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        stop(process, timeout_s=30)
        if process.stdout is not None:
            process.stdout.close()
