"""``floorsync serve --workers 2``: two full instances behind one port, as one server."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import psutil
import pytest
from sqlalchemy import text

from realtime.relay import LOCK_CLASS
from scanners.feed import LiveFeed
from server.db import make_engine
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.fresh import fresh_settings
from tests.live import handheld
from tests.processes import ServerProcess, answers_ready, floorsync, server_env

REPO = Path(__file__).resolve().parents[2]
WORKER_HEADER = "X-Floorsync-Worker"
MAX_SOCKETS = 60  # the kernel, not the test, picks the worker of each connection


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data dir for embedded backends outside pytest's temp root: other pytest runs on the machine reset
    that root to owner-only, which locks out the embedded PostgreSQL's own user."""
    with tempfile.TemporaryDirectory(prefix="fs-cli-") as folder:
        yield Path(folder) / "fs"


def workers_of(server: ServerProcess) -> set[int]:
    """The worker processes the supervisor spawned (not its resource tracker)."""
    found = set()
    for child in psutil.Process(server.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.Error:  # a short-lived helper (pg_ctl, initdb) that just exited
            continue
    return found


async def both_workers_up(server: ServerProcess, url: str) -> bool:
    return len(workers_of(server)) == 2 and await answers_ready(url)


def worker_ports(pids: set[int]) -> set[int]:
    """Local ports of the workers' TCP connections (their PostgreSQL sessions among them)."""
    ports = set()
    for pid in pids:
        ports |= {c.laddr.port for c in psutil.Process(pid).net_connections(kind="tcp") if c.laddr}
    return ports


async def relay_lock_holders(settings: Settings) -> dict[int, list[int]]:
    """For each warehouse lock (by its key), the client ports of the sessions that hold it."""
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT l.objid, a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.classid = :c AND l.objsubid = 2 AND l.granted "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"c": LOCK_CLASS},
            )
            holders: dict[int, list[int]] = {}
            for objid, port in rows:
                holders.setdefault(int(objid), []).append(int(port))
            return holders
    finally:
        await engine.dispose()


@pytest.mark.e2e
async def test_events_reach_sockets_on_both_workers_and_one_relay_writes_per_warehouse(
    seeded: Settings, tmp_path: Path
) -> None:
    async with fresh_settings(seeded) as settings:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = floorsync("serve", "--workers", "2", env=server_env(settings, tmp_path, port=port), cwd=REPO)
        try:
            await wait_until(lambda: both_workers_up(server, url), timeout_s=120, what="two workers ready")
            pids = workers_of(server)
            async with AsyncExitStack() as stack:
                writer = await stack.enter_async_context(handheld(url, "super1", device="desk-w"))
                reader = await stack.enter_async_context(handheld(url, "super1"))
                feeds: list[LiveFeed] = []
                seen: set[int] = set()
                while len(feeds) < 8 or (seen != pids and len(feeds) < MAX_SOCKETS):
                    feed = await reader.connect()
                    stack.push_async_callback(feed.close)
                    feeds.append(feed)
                    seen.add(int(feed.ws.response.headers[WORKER_HEADER]))
                assert seen == pids, f"sockets landed on {seen}, workers are {pids}"

                position = await reader.position("WH1")
                for feed in feeds:
                    await feed.subscribe("board:WH1", position=position)
                    await feed.wait_for(lambda f: f.control("subscribed"))
                codes = [f"WK-{n}" for n in range(10)]
                for code in codes:
                    await writer.mutate(
                        "location.create", {"warehouse": "WH1", "code": code, "zone": "Z", "kind": "storage"}
                    )
                for feed in feeds:
                    await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) >= len(codes))
                    events = feed.topics["board:WH1"].events
                    assert [e["entity_id"] for e in events] == codes
                    seqs = [e["seq"] for e in events]
                    assert seqs == list(range(seqs[0], seqs[0] + len(codes))), "one gap-free sequence"

            holders = await relay_lock_holders(settings)
            assert len(holders) == 2, f"WH1 and WH2 each have a relay: {holders}"
            ports = worker_ports(pids)
            for holding in holders.values():
                assert len(holding) == 1, "exactly one relay per warehouse"
                assert holding[0] in ports, "and it runs in one of the workers"
        except Exception as exc:
            raise AssertionError(f"{exc!r}; the server printed: {server.output().decode()[-4000:]}") from exc
        finally:
            server.send_signal(signal.SIGTERM)
            output = server.finish()
        assert server.returncode == 0, output.decode()[-3000:]


def _embedded_env(data_dir: Path, port: int) -> dict[str, str]:
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


def _running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.e2e
async def test_sigterm_stops_every_worker_and_the_embedded_backends(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = floorsync("serve", "--workers", "2", env=_embedded_env(data_dir, port), cwd=REPO)
    try:
        await wait_until(lambda: both_workers_up(server, url), timeout_s=120, what="two workers ready")
        pids = workers_of(server)
        assert _backend_processes(data_dir)
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.finish()
    assert server.returncode == 0, output.decode()[-3000:]
    assert not _running(pids), "no worker outlives the server"
    await wait_until(lambda: not _backend_processes(data_dir), timeout_s=30, what="no orphaned backends")
