"""The real ``floorsync`` command on an empty data dir: embedded PostgreSQL and Redis, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import psutil
import pytest

from tests.backends import free_port, wait_until
from tests.processes import answers_ready, floorsync

REPO = Path(__file__).resolve().parents[2]


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(FLOORSYNC_DATA_DIR=str(data_dir), FLOORSYNC_PORT=str(port))
    return env


def _backend_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and ("postgres" in cmdline or "redis" in cmdline):
            found.append(proc)
    return found


async def _ready(port: int) -> bool:
    return await answers_ready(f"http://127.0.0.1:{port}")


async def _admin_logs_in(port: int) -> bool:
    async with httpx.AsyncClient() as http:
        login = await http.post(
            f"http://127.0.0.1:{port}/api/auth/login", json={"username": "admin", "password": "floorsync-admin"}
        )
    return login.status_code == 200


@pytest.mark.e2e
async def test_serve_starts_embedded_backends_keeps_data_and_stops_cleanly(data_dir: Path) -> None:
    port = free_port()
    server = floorsync("demo", env=_env(data_dir, port), cwd=REPO)
    try:
        await wait_until(lambda: _ready(port), what="floorsync demo to be ready")
        assert _backend_processes(data_dir), "embedded PostgreSQL and Redis run under the data dir"

        second = floorsync("serve", env=_env(data_dir, free_port()), cwd=REPO)
        out = second.finish()
        assert second.returncode == 2
        assert b"in use by another Floorsync server" in out

        assert await _admin_logs_in(port)
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.finish()
    assert server.returncode == 0, output.decode()[-2000:]
    assert b"embedded PostgreSQL" in output and b"embedded Redis" in output
    await wait_until(lambda: not _backend_processes(data_dir), what="no orphaned backends")

    # warm start: the data kept across the restart (a plain serve seeds nothing)
    port = free_port()
    server = floorsync("serve", env=_env(data_dir, port), cwd=REPO)
    try:
        await wait_until(lambda: _ready(port), what="warm restart")
        assert await _admin_logs_in(port)
    finally:
        server.send_signal(signal.SIGINT)
        output = server.finish()
    assert server.returncode == 0, output.decode()[-2000:]
    await wait_until(lambda: not _backend_processes(data_dir), what="no orphans after Ctrl-C")


@pytest.mark.e2e
def test_prod_refuses_to_start_without_explicit_settings(tmp_path: Path) -> None:
    env = _env(tmp_path, free_port()) | {"FLOORSYNC_ENV": "prod"}
    result = subprocess.run([*floorsync_args("serve")], env=env, cwd=REPO, capture_output=True, timeout=60)
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "FLOORSYNC_SECRET_KEY" in message and "FLOORSYNC_DATABASE_URL" in message
    assert "FLOORSYNC_REDIS_URL" in message


def floorsync_args(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "server.cli", *args]
