"""One warehouse's publishing: claim outbox rows, stamp their seq in PostgreSQL, XADD them with
explicit ids, and keep the Redis stream consistent with PostgreSQL (or start a new epoch).

The hot path is three round trips per batch: one statement claims and stamps (autocommit), one
Redis pipeline checks the stream and XADDs, one statement marks the batch published. It talks to
asyncpg directly (through the engine's pool) to keep the per-batch cost low.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from realtime import metrics, outbox_rows
from realtime.envelope import decode_event, encode_event
from realtime.keys import Keys, entry_id, entry_seq
from realtime.outbox_rows import TABLE, select_list
from realtime.positions import ensure_stream_row, new_epoch

log = logging.getLogger("floorsync.relay")

_RETURNED = select_list("o")
# One statement, committed on its own: claim rows in id order (skipping rows another relay holds),
# bump stream_state.last_seq under its row lock, and number the rows after the old value.
_CLAIM = f"""
WITH claimed AS (
    SELECT id FROM {TABLE} WHERE warehouse = $1 AND seq IS NULL ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
), bump AS (
    UPDATE stream_state SET last_seq = last_seq + (SELECT count(*) FROM claimed), updated_at = now()
    WHERE warehouse = $1 AND EXISTS (SELECT 1 FROM claimed)
    RETURNING epoch, last_seq - (SELECT count(*) FROM claimed) AS base
), numbered AS (
    SELECT c.id, b.base + row_number() OVER (ORDER BY c.id) AS seq, b.epoch FROM claimed c CROSS JOIN bump b
)
UPDATE {TABLE} o SET seq = numbered.seq FROM numbered WHERE o.id = numbered.id
RETURNING {_RETURNED}, numbered.epoch
"""
_UNPUBLISHED = (
    f"SELECT {_RETURNED} FROM {TABLE} o WHERE o.warehouse = $1 AND o.seq > $2 ORDER BY o.seq LIMIT $3"
)
# published rows are a prefix of the seq order, so this walks back from the end only a little
_PUBLISHED_THROUGH = (
    f"SELECT seq FROM {TABLE} WHERE warehouse = $1 AND seq IS NOT NULL AND published_at IS NOT NULL "
    "ORDER BY seq DESC LIMIT 1"
)
# Append only if the stream is this epoch's and holds everything before the batch; rejected ids
# (already present: a re-publish) answer "0" so the caller checks they hold the same events.
_CHECK_AND_APPEND = """
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'first_seq')
if not meta[1] then return {'nometa'} end
if meta[1] ~= ARGV[1] then return {'epoch', meta[1]} end
local first = tonumber(meta[2])
local top = first - 1
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then top = tonumber(string.match(last[1][1], '^(%d+)')) end
local before = tonumber(ARGV[2])
if top < before and before >= first then return {'behind', tostring(top)} end
local out = {'ok'}
for i = 4, #ARGV, 2 do
  local added = redis.pcall('XADD', KEYS[2], ARGV[i], 'e', ARGV[1], 'p', ARGV[3], 'd', ARGV[i + 1])
  if type(added) == 'table' and added.err then out[#out + 1] = '0' else out[#out + 1] = '1' end
end
return out
"""
_LAST_SEQ = "SELECT last_seq FROM stream_state WHERE warehouse = $1"
_MARK = (
    f"UPDATE {TABLE} SET published_at = now() "
    "WHERE warehouse = $1 AND seq BETWEEN $2 AND $3 AND published_at IS NULL"
)


@dataclass(frozen=True, slots=True)
class Pending:
    """A stamped event on its way to the stream."""

    seq: int
    occurred_at: datetime
    event_id: str
    payload: bytes


def _pending(row: Any, warehouse: str) -> Pending:
    envelope = outbox_rows.envelope(row, warehouse)
    return Pending(envelope.seq, row["occurred_at"], envelope.id, encode_event(envelope))


class StreamLost(Exception):
    """The Redis stream no longer matches PostgreSQL (flushed, restarted, behind, foreign)."""


class WarehousePublisher:
    """Publishes one warehouse's outbox; only the elected relay of that warehouse runs it."""

    def __init__(
        self,
        engine: AsyncEngine,
        redis: aioredis.Redis,
        keys: Keys,
        warehouse: str,
        *,
        batch_size: int = 500,
        hang_at: str | None = None,
    ) -> None:
        self.engine = engine
        self.redis = redis
        self.keys = keys
        self.warehouse = warehouse
        self.batch_size = batch_size
        self.hang_at = hang_at
        self.epoch = ""
        self.published = -1  # unknown until loaded
        self._recovering = True

    def forget(self) -> None:
        """After a failure: reload from PostgreSQL before the next pass (something may be half done)."""
        self.published = -1

    @asynccontextmanager
    async def _pg(self) -> AsyncIterator[Any]:
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            yield raw.driver_connection

    async def load(self) -> None:
        """Read (or create) the stream row and how far publishing got; called on taking ownership."""
        async with self.engine.begin() as conn:
            await ensure_stream_row(conn, self.warehouse)
        async with self._pg() as pg:
            row = await pg.fetchrow("SELECT epoch, last_seq FROM stream_state WHERE warehouse = $1", self.warehouse)
            through = await pg.fetchval(_PUBLISHED_THROUGH, self.warehouse)
        self.epoch = row["epoch"]
        self.published = int(through or 0)
        self._recovering = True

    async def publish_pending(self) -> int:
        """Publish what is unpublished, batch by batch; returns how many events went out."""
        if self.published < 0:
            await self.load()
        total = 0
        while True:
            batch = await self._stamped_unpublished() if self._recovering else []
            batch = batch or await self._claim()
            if batch:
                await self._publish(batch)
                total += len(batch)
            if len(batch) < self.batch_size:
                # a commit during this pass has set the wake event again, so nothing waits long
                if not batch:
                    metrics.RELAY_LAG.labels(self.warehouse).set(0)
                return total

    async def check_stream(self) -> None:
        """Start a new epoch if the stream is not what PostgreSQL says was published (poll tick)."""
        if self.published < 0:
            await self.load()
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hmget(self.keys.meta(self.warehouse), ["epoch", "first_seq"])
            pipe.xrevrange(self.keys.stream(self.warehouse), count=1)
            meta, top_entries = await pipe.execute()
            top = await self._check(meta, top_entries, next_seq=self.published + 1)
            if top > self.published:
                async with self._pg() as pg:
                    stamped = await pg.fetchval(_LAST_SEQ, self.warehouse)
                if top > int(stamped or 0):
                    raise StreamLost(f"stream runs ahead of PostgreSQL ({top} > {stamped})")
        except StreamLost as lost:
            await self._new_epoch(first_seq=self.published + 1, why=str(lost))

    async def _stamped_unpublished(self) -> list[Pending]:
        """Rows a previous writer stamped but did not finish publishing (it crashed), in seq order."""
        async with self._pg() as pg:
            rows = await pg.fetch(_UNPUBLISHED, self.warehouse, self.published, self.batch_size)
        self._recovering = len(rows) == self.batch_size
        return [_pending(r, self.warehouse) for r in rows]

    async def _claim(self) -> list[Pending]:
        async with self._pg() as pg:
            rows = await pg.fetch(_CLAIM, self.warehouse, self.batch_size)
        if not rows:
            return []
        self.epoch = rows[0]["epoch"]
        batch = sorted((_pending(r, self.warehouse) for r in rows), key=lambda p: p.seq)
        await self._maybe_hang("after_stamp")
        return batch

    async def _publish(self, batch: Sequence[Pending]) -> None:
        first, last = batch[0].seq, batch[-1].seq
        try:
            await self._send(batch)
        except StreamLost as lost:
            await self._new_epoch(first_seq=first, why=str(lost))
            await self._send(batch)
        await self._maybe_hang("after_xadd")
        async with self._pg() as pg:
            await pg.execute(_MARK, self.warehouse, first, last)
        self.published = last
        now = datetime.now(UTC)
        metrics.RELAY_LAG.labels(self.warehouse).set(max(0.0, (now - batch[0].occurred_at).total_seconds()))
        metrics.RELAY_PUBLISHED.labels(self.warehouse).inc(len(batch))
        for item in batch:
            metrics.RELAY_DELAY.observe(max(0.0, (now - item.occurred_at).total_seconds()))

    async def _send(self, batch: Sequence[Pending]) -> None:
        """Check the stream and XADD the batch atomically (one script); StreamLost if it is not ours."""
        args: list[Any] = [self.epoch, batch[0].seq - 1, int(time.time() * 1000)]
        for item in batch:
            args += [entry_id(item.seq), item.payload]
        keys = [self.keys.meta(self.warehouse), self.keys.stream(self.warehouse)]
        answer = await self.redis.eval(_CHECK_AND_APPEND, 2, *keys, *args)
        verdict = answer[0].decode()
        if verdict == "nometa" and self.published == 0:
            # a new warehouse: nothing was ever published, so its stream simply starts (in its epoch)
            await self._start_stream(self.epoch, first_seq=1)
            answer = await self.redis.eval(_CHECK_AND_APPEND, 2, *keys, *args)
            verdict = answer[0].decode()
        if verdict != "ok":
            raise StreamLost(f"stream check failed: {[a.decode() for a in answer]}")
        for item, added in zip(batch, answer[1:], strict=True):
            if added == b"0":
                await self._confirm_present(item)

    async def _check(self, meta: Any, top_entries: Any, *, next_seq: int) -> int:
        """Raise StreamLost unless Redis holds this epoch's stream through ``next_seq - 1``; returns
        the stream's last seq."""
        epoch, first_seq = meta
        if epoch is None and self.published == 0:
            await self._start_stream(self.epoch, first_seq=1)
            return 0
        if epoch is None or epoch.decode() != self.epoch:
            raise StreamLost(f"stream epoch is {epoch!r}, PostgreSQL says {self.epoch}")
        top = entry_seq(top_entries[0][0]) if top_entries else int(first_seq) - 1
        if top < next_seq - 1 and next_seq - 1 >= int(first_seq):
            raise StreamLost(f"stream ends at {top} but {next_seq - 1} was published")
        return top

    async def _confirm_present(self, item: Pending) -> None:
        """A rejected XADD is fine only if that very event already sits at that id (a re-publish)."""
        found: Any = await self.redis.xrange(
            self.keys.stream(self.warehouse), min=entry_id(item.seq), max=entry_id(item.seq)
        )
        try:
            ours = bool(found) and decode_event(found[0][1][b"d"]).id == item.event_id
        except (msgspec.DecodeError, KeyError):
            ours = False
        if not ours:
            raise StreamLost(f"seq {item.seq} is missing or holds another event")

    async def _new_epoch(self, *, first_seq: int, why: str) -> None:
        epoch = new_epoch()
        log.warning("warehouse %s: new stream epoch %s from seq %d (%s)", self.warehouse, epoch, first_seq, why)
        async with self._pg() as pg:
            await pg.execute(
                "UPDATE stream_state SET epoch = $1, updated_at = now() WHERE warehouse = $2", epoch, self.warehouse
            )
        await self._start_stream(epoch, first_seq=first_seq)
        metrics.RELAY_EPOCHS.labels(self.warehouse).inc()

    async def _start_stream(self, epoch: str, *, first_seq: int) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self.keys.stream(self.warehouse))
        pipe.hset(self.keys.meta(self.warehouse), mapping={"epoch": epoch, "first_seq": first_seq})
        await pipe.execute()
        self.epoch = epoch

    async def _maybe_hang(self, point: str) -> None:
        # fault injection for the crash tests: announce the point, then wait to be killed there
        if self.hang_at == point:
            print(f"relay-hang {point}", flush=True)
            await asyncio.Event().wait()
