"""Stream retention: an entry goes only once it is both older than the time window and outside the
last ``keep_events`` entries, so a client can resume after at least 24 hours or 100k events."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis

from realtime.keys import Keys, entry_id, entry_seq

KEEP_EVENTS = 100_000
KEEP_SECONDS = 24 * 3600


async def _published_ms(redis: aioredis.Redis, stream: str, seq: int) -> tuple[int, int] | None:
    """The first entry at or after ``seq``: its seq and when it was published (ms)."""
    found: Any = await redis.xrange(stream, min=entry_id(seq), count=1)
    if not found:
        return None
    entry, fields = found[0]
    return entry_seq(entry), int(fields.get(b"p", b"0"))


async def trim_stream(
    redis: aioredis.Redis,
    keys: Keys,
    warehouse: str,
    *,
    keep_events: int = KEEP_EVENTS,
    keep_seconds: float = KEEP_SECONDS,
    now_ms: int | None = None,
) -> int:
    """Trim what both windows allow; returns the lowest seq kept (0 when nothing was trimmed)."""
    stream = keys.stream(warehouse)
    pipe = redis.pipeline(transaction=False)
    pipe.xrange(stream, count=1)
    pipe.xrevrange(stream, count=1)
    head, tail = await pipe.execute()
    if not head or not tail:
        return 0
    first, last = entry_seq(head[0][0]), entry_seq(tail[0][0])
    limit = last - keep_events + 1  # entries below this are outside the event window
    if limit <= first:
        return 0
    cutoff = (now_ms if now_ms is not None else int(time.time() * 1000)) - int(keep_seconds * 1000)
    # binary search for the first seq in [first, limit] published at or after the cutoff
    low, high = first, limit
    while low < high:
        middle = (low + high) // 2
        found = await _published_ms(redis, stream, middle)
        if found is None or found[1] >= cutoff:
            high = middle
        else:
            low = min(high, max(middle, found[0]) + 1)
    if low <= first:
        return 0
    await redis.xtrim(stream, minid=entry_id(low), approximate=False)
    return low
