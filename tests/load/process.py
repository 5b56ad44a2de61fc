"""A real ``floorsync serve`` process on a database of its own, for the load tests."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.processes import answers_ready, floorsync, server_env, stop

REPO = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def serving(settings: Settings, data_dir: Path) -> AsyncIterator[str]:
    """Serve ``settings``' database and Redis namespace from a separate process; yields its base URL."""
    port = free_port()
    process = floorsync("serve", env=server_env(settings, data_dir, port=port), cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until(
            lambda: answers_ready(url) if process.poll() is None else True, timeout_s=90, what="server ready"
        )
        assert process.poll() is None, process.output().decode()[-3000:]
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        stop(process, timeout_s=30)
        process.finish()
