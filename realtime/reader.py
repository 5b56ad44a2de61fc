"""One Redis reader per warehouse per instance: XREAD the stream and hand each batch to the hub."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from realtime.connection import Item
from realtime.keys import Keys, entry_id
from realtime.streams import Entry, parse_entries, stream_info
from realtime.tasks import raise_if_cancelled

log = logging.getLogger("floorsync.gateway")


class Sink(Protocol):
    def fanout(self, warehouse: str, epoch: str, items: list[Item]) -> None: ...

    def epoch_changed(self, warehouse: str, epoch: str, first_seq: int) -> None: ...

    def gap(self, warehouse: str, expected: int, got: int) -> None: ...

    def pace(self, warehouse: str) -> float:
        """Seconds to leave between two fanouts of the warehouse (more sockets, bigger batches)."""
        ...


class StreamReader:
    """Follows one warehouse stream from where it was when the reader started; never skips."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, warehouse: str, sink: Sink, *, block_ms: int = 2000
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.warehouse = warehouse
        self.sink = sink
        self.block_ms = block_ms
        self.epoch: str | None = None
        self.last: int | None = None

    async def run(self) -> None:
        """Read until cancelled; Redis errors only pause it (it resumes from its last entry)."""
        stream = self.keys.stream(self.warehouse)
        loop = asyncio.get_running_loop()
        delay = 0.05
        last_fanout = 0.0
        while True:
            raise_if_cancelled()  # a block lasts block_ms: a lost cancellation ends the reader that soon
            try:
                # under load, wait a little between fanouts so each carries more events: waking every
                # socket costs the same for one event as for fifty
                wait = last_fanout + self.sink.pace(self.warehouse) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if self.last is None:
                    info = await stream_info(self.redis, self.keys, self.warehouse)
                    self.epoch, self.last = info.epoch, info.newest
                reply: Any = await self.redis.xread({stream: entry_id(self.last)}, count=1000, block=self.block_ms)
                delay = 0.05
                if reply:
                    last_fanout = loop.time()
                    await self._deliver(reply[0][1])
            except (RedisError, OSError) as exc:
                log.info("reader %s: Redis unavailable (%s); retrying in %.2fs", self.warehouse, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            except msgspec.DecodeError:
                # not an entry of ours: skip past it, and whoever follows the stream resumes or resets
                log.exception("reader %s: undecodable stream entry", self.warehouse)
                self.last = None

    async def _deliver(self, raw: Any) -> None:
        entries = parse_entries(raw)
        start = 0
        for index, (seq, epoch, _, _) in enumerate(entries):
            if epoch != self.epoch:
                self._flush(entries[start:index])
                start = index
                info = await stream_info(self.redis, self.keys, self.warehouse)
                self.epoch = epoch
                self.sink.epoch_changed(self.warehouse, epoch, info.first_seq if info.epoch == epoch else seq)
            elif self.last is not None and seq != self.last + 1:
                self._flush(entries[start:index])
                start = index
                self.sink.gap(self.warehouse, self.last + 1, seq)
            self.last = seq
        self._flush(entries[start:])

    def _flush(self, entries: list[Entry]) -> None:
        if entries and self.epoch is not None:
            self.sink.fanout(self.warehouse, self.epoch, [(seq, env, raw) for seq, _, env, raw in entries])
