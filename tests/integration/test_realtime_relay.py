"""The outbox relay against real PostgreSQL and Redis: gap-free seqs, explicit ids, epochs, retention."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from realtime.envelope import decode_event
from realtime.keys import Keys, entry_seq
from realtime.positions import stream_position
from realtime.publisher import WarehousePublisher
from realtime.retention import trim_stream
from tests import backends as test_backends
from tests.live import owned_warehouse, produce


@pytest.fixture
async def redis(backends: test_backends.TestBackends) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(backends.redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def keys() -> Keys:
    return Keys(f"fs-test-relay-{secrets.token_hex(4)}")


def publisher_for(db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys, warehouse: str,
                  **options: Any) -> WarehousePublisher:
    engine: AsyncEngine = db.kw["bind"]
    return WarehousePublisher(engine, redis, keys, warehouse, **options)


async def outbox(db: async_sessionmaker[AsyncSession], warehouse: str) -> list[Any]:
    async with db() as session:
        rows = await session.execute(
            text("SELECT event_id, entity_id, seq, published_at FROM outbox_events WHERE warehouse = :w ORDER BY id"),
            {"w": warehouse},
        )
        return list(rows)


async def stream(redis: aioredis.Redis, keys: Keys, warehouse: str) -> list[tuple[int, str, Any]]:
    entries: Any = await redis.xrange(keys.stream(warehouse))
    return [(entry_seq(i), f[b"e"].decode(), decode_event(f[b"d"])) for i, f in entries]


async def test_published_events_get_gap_free_seqs_and_explicit_stream_ids(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        first = await produce(db, wh, 7)
        second = await produce(db, wh, 5)
        publisher = publisher_for(db, redis, keys, wh, batch_size=4)
        assert await publisher.publish_pending() == 12

        rows = await outbox(db, wh)
        assert [r.seq for r in rows] == list(range(1, 13))
        assert all(r.published_at is not None for r in rows)
        entries = await stream(redis, keys, wh)
        assert [seq for seq, _, _ in entries] == list(range(1, 13))
        assert [e.entity_id for _, _, e in entries] == first + second
        assert [e.id for _, _, e in entries] == [str(r.event_id) for r in rows]
        assert {epoch for _, epoch, _ in entries} == {publisher.epoch}


async def test_a_never_published_warehouse_has_the_epoch_its_relay_will_use(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        async with db() as session:
            before = await stream_position(session, wh)
        assert before["seq"] == 0 and before["epoch"]
        await produce(db, wh, 2)
        publisher = publisher_for(db, redis, keys, wh)
        await publisher.publish_pending()
        async with db() as session:
            after = await stream_position(session, wh)
        assert after == {"epoch": before["epoch"], "seq": 2}
        assert (await redis.hget(keys.meta(wh), "epoch")) == str(before["epoch"]).encode()


async def test_republishing_a_batch_after_a_crash_is_rejected_by_redis_not_duplicated(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        await produce(db, wh, 6)
        crashed = publisher_for(db, redis, keys, wh)
        await crashed.load()
        await crashed.check_stream()
        stamped = await crashed._claim()  # stamped in PostgreSQL, then "killed" before marking published
        await crashed._send(stamped[:4])  # half the XADDs made it
        successor = publisher_for(db, redis, keys, wh)
        assert await successor.publish_pending() == 6  # recovers the stamped rows first, in seq order
        await crashed._send(stamped)  # the zombie's late re-publish: every id is rejected, none duplicated

        assert [seq for seq, _, _ in await stream(redis, keys, wh)] == [1, 2, 3, 4, 5, 6]
        assert sorted(r.seq for r in await outbox(db, wh)) == [1, 2, 3, 4, 5, 6]


async def test_a_flushed_stream_starts_a_new_epoch_from_the_next_seq(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        await produce(db, wh, 3)
        publisher = publisher_for(db, redis, keys, wh)
        await publisher.publish_pending()
        old_epoch = publisher.epoch
        await redis.delete(keys.stream(wh), keys.meta(wh))  # Redis restarted empty

        await produce(db, wh, 2)
        await publisher.publish_pending()
        assert publisher.epoch != old_epoch
        entries = await stream(redis, keys, wh)
        assert [(seq, epoch) for seq, epoch, _ in entries] == [(4, publisher.epoch), (5, publisher.epoch)]
        meta = await redis.hgetall(keys.meta(wh))
        assert meta == {b"epoch": publisher.epoch.encode(), b"first_seq": b"4"}
        async with db() as session:
            assert await stream_position(session, wh) == {"epoch": publisher.epoch, "seq": 5}


async def test_a_stream_behind_postgresql_starts_a_new_epoch_even_when_idle(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        await produce(db, wh, 4)
        publisher = publisher_for(db, redis, keys, wh)
        await publisher.publish_pending()
        old_epoch = publisher.epoch
        await redis.xdel(keys.stream(wh), "3-0", "4-0")  # an old snapshot of Redis came back

        await publisher.check_stream()
        assert publisher.epoch != old_epoch
        assert await redis.hget(keys.meta(wh), "first_seq") == b"5"
        assert await redis.xlen(keys.stream(wh)) == 0


async def test_foreign_entries_at_our_ids_are_detected_not_taken_as_ours(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        publisher = publisher_for(db, redis, keys, wh)
        await publisher.load()
        await publisher.check_stream()
        # a stale stream of another database that happens to use the same key and epoch
        stale = (await stream(redis, keys, wh)) or None
        assert stale is None
        await redis.xadd(keys.stream(wh), {"e": publisher.epoch, "p": "0", "d": b'{"id":"x"}'}, id="1-0")
        await produce(db, wh, 2)
        old_epoch = publisher.epoch
        await publisher.publish_pending()
        assert publisher.epoch != old_epoch
        assert [seq for seq, _, _ in await stream(redis, keys, wh)] == [1, 2]


async def test_retention_trims_only_what_is_both_old_and_beyond_the_event_window(
    db: async_sessionmaker[AsyncSession], redis: aioredis.Redis, keys: Keys
) -> None:
    async with owned_warehouse(db) as wh:
        await produce(db, wh, 30)
        publisher = publisher_for(db, redis, keys, wh)
        await publisher.publish_pending()
        now_ms = int((await redis.time())[0]) * 1000

        # everything is recent: a 24 h window keeps it all, whatever the event window says
        assert await trim_stream(redis, keys, wh, keep_events=10, keep_seconds=3600, now_ms=now_ms) == 0
        assert await redis.xlen(keys.stream(wh)) == 30
        # seen from two days later: only the last 10 events stay
        later = now_ms + 2 * 86_400_000
        assert await trim_stream(redis, keys, wh, keep_events=10, keep_seconds=86_400, now_ms=later) == 21
        assert [seq for seq, _, _ in await stream(redis, keys, wh)] == list(range(21, 31))
