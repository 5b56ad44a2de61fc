"""The embedded PostgreSQL and Redis never outlive their server nor double up on one data dir: not
after SIGKILL (the watchdog stops them; if it died too, the next start does), not after SIGHUP."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import psutil
import pytest

from tests.backends import free_port, wait_until
from tests.processes import ServerProcess, answers_ready, floorsync

REPO = Path(__file__).resolve().parents[2]


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env.update(FLOORSYNC_DATA_DIR=str(data_dir), FLOORSYNC_PORT=str(port), FLOORSYNC_LOG_LEVEL="warning")
    return env


def running_on(data_dir: Path) -> dict[int, str]:
    """Every process working in or naming the data dir (backends, their workers, a watchdog): pid -> name."""
    found = {}
    for process in psutil.process_iter(["name", "cmdline", "cwd"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline or (process.info["cwd"] or "").startswith(str(data_dir)):
            found[process.pid] = process.info["name"]
    return found


def _described(pids: dict[int, str]) -> list[str]:
    """What each process is, for a failure message: pid, name and command line."""
    described = []
    for pid, name in pids.items():
        with contextlib.suppress(psutil.Error):
            described.append(f"{pid} {name}: {' '.join(psutil.Process(pid).cmdline())[:200]}")
    return described


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split("\n", 1)[0])


def redis_servers(data_dir: Path) -> list[int]:
    return [pid for pid, name in running_on(data_dir).items() if name.startswith("redis-server")]


async def start(command: str, data_dir: Path) -> tuple[ServerProcess, int]:
    port = free_port()
    server = floorsync(command, env=_env(data_dir, port), cwd=REPO)
    await wait_until(lambda: answers_ready(f"http://127.0.0.1:{port}") if server.poll() is None else True,
                     timeout_s=180, what=f"floorsync {command} ready")
    assert server.poll() is None, server.finish().decode()[-3000:]
    return server, port


async def stop_and_check_nothing_left(server: ServerProcess, data_dir: Path, *, how: signal.Signals) -> bytes:
    """Signal the server; it exits cleanly and leaves nothing running. Returns what it printed."""
    server.send_signal(how)
    output = server.finish(timeout_s=120)
    assert server.returncode == 0, output.decode()[-3000:]
    await wait_until(lambda: not running_on(data_dir), what=f"nothing left on {data_dir}")
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
    return output


def kill_everything_on(data_dir: Path) -> None:
    """Never leave a test's processes behind, whatever failed."""
    for pid in running_on(data_dir):
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


@pytest.mark.e2e
@pytest.mark.timeout(900)
async def test_a_killed_demo_leaves_no_backends_and_a_restart_after_a_total_kill_starts_clean(data_dir: Path) -> None:
    server, _ = await start("demo", data_dir)
    try:
        first_pg = postmaster_pid(data_dir)
        assert len(redis_servers(data_dir)) == 1
        server.send_signal(signal.SIGKILL)
        server.finish()
        # the watchdog saw its server go and stopped both backends
        # (its stop may take twice STOP_TIMEOUT_S on a loaded machine: a signal, then a kill)
        try:
            await wait_until(lambda: not running_on(data_dir), what="the watchdog to stop the backends")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; still running: {_described(running_on(data_dir))}") from None
        assert not psutil.pid_exists(first_pg)

        # now the server and its watchdog killed together (the OOM killer, kill -9 of the group):
        # PostgreSQL stays behind, and the next start must stop it, not adopt it
        server, _ = await start("serve", data_dir)
        orphan = postmaster_pid(data_dir)
        for child in psutil.Process(server.pid).children():
            if "server.leftovers" in " ".join(child.cmdline()):
                child.kill()
        server.send_signal(signal.SIGKILL)
        server.finish()
        assert psutil.pid_exists(orphan)

        server, _ = await start("serve", data_dir)
        assert not psutil.pid_exists(orphan)  # stopped, not adopted
        assert postmaster_pid(data_dir) != orphan
        assert len(redis_servers(data_dir)) == 1  # not a second Redis on the same files
        await stop_and_check_nothing_left(server, data_dir, how=signal.SIGTERM)

        # and a clean stop after all that leaves nothing either (no dead handle keeps PostgreSQL up)
        server, _ = await start("serve", data_dir)
        await stop_and_check_nothing_left(server, data_dir, how=signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.finish()
        kill_everything_on(data_dir)


@pytest.mark.e2e
@pytest.mark.timeout(600)
async def test_sighup_stops_the_server_and_its_backends_like_sigterm(data_dir: Path) -> None:
    server, _ = await start("serve", data_dir)
    try:
        output = await stop_and_check_nothing_left(server, data_dir, how=signal.SIGHUP)
        assert b"floorsync: stopped" in output
    finally:
        if server.poll() is None:
            server.kill()
            server.finish()
        kill_everything_on(data_dir)
