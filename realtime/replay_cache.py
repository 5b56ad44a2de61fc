"""Shared stream reads for replays: when hundreds of clients resume from the same position at once,
the stream is read (and each entry decoded) once per chunk, not once per client."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

import redis.asyncio as aioredis

from realtime.keys import Keys, entry_id
from realtime.streams import Entry, parse_entries

REPLAY_CHUNK = 500


class ReplayCache:
    """Recent XRANGE chunks by (warehouse, first seq), with the time their read started.

    A chunk can serve a subscription only if its read started after the subscription began
    collecting live events; anything appended later then reaches it live, so nothing falls between.
    """

    def __init__(self, redis: aioredis.Redis, keys: Keys, *, size: int = 64) -> None:
        self.redis = redis
        self.keys = keys
        self.size = size
        self._chunks: OrderedDict[tuple[str, int], tuple[float, asyncio.Future[list[Entry]]]] = OrderedDict()

    async def chunk(self, warehouse: str, start: int, *, not_before: float) -> list[Entry]:
        """Entries from ``start`` on (at most REPLAY_CHUNK), read at or after ``not_before``."""
        key = (warehouse, start)
        cached = self._chunks.get(key)
        if cached is not None and cached[0] >= not_before:  # failed reads are never left in the cache
            self._chunks.move_to_end(key)
            return list(await asyncio.shield(cached[1]))
        started = time.monotonic()
        future: asyncio.Future[list[Entry]] = asyncio.get_running_loop().create_future()
        self._chunks[key] = (started, future)
        while len(self._chunks) > self.size:
            self._chunks.popitem(last=False)
        try:
            raw = await self.redis.xrange(self.keys.stream(warehouse), min=entry_id(start), count=REPLAY_CHUNK)
            future.set_result(parse_entries(raw))
        except BaseException as exc:
            future.set_exception(exc)
            self._chunks.pop(key, None)
            future.exception()  # retrieved: the waiters re-raise it
            raise
        return list(future.result())
