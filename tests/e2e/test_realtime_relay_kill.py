"""The relay killed with SIGKILL mid-batch (after stamping, after XADD): no loss, no duplicate seq."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from realtime.envelope import decode_event
from realtime.keys import Keys, entry_seq
from server.db import make_engine, make_sessionmaker
from server.settings import Settings
from tests.backends import wait_until
from tests.fresh import fresh_settings
from tests.live import produce
from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]


def relay(settings: Settings, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "realtime.relay", "--database-url", settings.database_url or "",
         "--redis-url", settings.redis_url or "", "--namespace", settings.redis_namespace, "--batch-size", "40",
         *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def wait_for_line(process: subprocess.Popen[bytes], wanted: bytes, *, timeout_s: float = 30) -> None:
    """Read the relay's stdout until ``wanted`` (its fault-injection point) shows up."""
    assert process.stdout is not None
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([process.stdout], [], [], timeout_s)
        if not ready:
            raise AssertionError(f"relay never printed {wanted!r}; got {seen!r}")
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"relay exited before {wanted!r}")
        seen += line


@pytest.mark.e2e
async def test_a_relay_killed_mid_batch_loses_nothing_and_duplicates_no_seq(seeded: Settings) -> None:
    async with fresh_settings(seeded) as settings:
        engine = make_engine(settings.database_url or "", pool_size=2)
        db = make_sessionmaker(engine)
        redis = aioredis.from_url(settings.redis_url or "")
        keys = Keys(settings.redis_namespace)
        try:
            produced = await produce(db, "WH1", 100)
            for point in ("after_stamp", "after_xadd"):
                victim = relay(settings, "--hang-at", point)
                wait_for_line(victim, f"relay-hang {point}".encode())
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                assert victim.stdout is not None
                victim.stdout.close()
                produced += await produce(db, "WH1", 30)

            survivor = relay(settings)
            try:
                await wait_until(lambda: _all_published(db), what="every event published")
            finally:
                stop(survivor)
                assert survivor.stdout is not None
                survivor.stdout.close()

            async with db() as session:
                rows = (await session.execute(
                    text("SELECT event_id, entity_id, seq FROM outbox_events WHERE warehouse = 'WH1' ORDER BY seq")
                )).all()
            assert [r.seq for r in rows] == list(range(1, len(produced) + 1))
            assert sorted(r.entity_id for r in rows) == sorted(produced)
            entries: Any = await redis.xrange(keys.stream("WH1"))
            assert [entry_seq(i) for i, _ in entries] == [r.seq for r in rows]
            assert [decode_event(f[b"d"]).id for _, f in entries] == [str(r.event_id) for r in rows]
        finally:
            keys_left = [k async for k in redis.scan_iter(f"{settings.redis_namespace}:*")]
            if keys_left:
                await redis.delete(*keys_left)
            await redis.aclose()
            await engine.dispose()


async def _all_published(db: Any) -> bool:
    async with db() as session:
        left = await session.scalar(text("SELECT count(*) FROM outbox_events WHERE published_at IS NULL"))
    return left == 0
