"""Reading a warehouse stream's state from Redis: its epoch, where it starts and where it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from realtime.envelope import Envelope, decode_event
from realtime.keys import Keys, entry_seq

Entry = tuple[int, str, Envelope, bytes]  # seq, epoch, envelope, encoded event


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """``epoch`` is None when Redis has no stream meta (never published, or Redis lost it)."""

    epoch: str | None
    first_seq: int  # first seq of this epoch
    oldest: int  # oldest seq still held (first_seq when nothing is held)
    newest: int  # newest seq held (oldest - 1 when nothing is held)


async def stream_info(redis: aioredis.Redis, keys: Keys, warehouse: str) -> StreamInfo:
    """The stream's state in one round trip."""
    pipe = redis.pipeline(transaction=False)
    pipe.hmget(keys.meta(warehouse), ["epoch", "first_seq"])
    pipe.xrange(keys.stream(warehouse), count=1)
    pipe.xrevrange(keys.stream(warehouse), count=1)
    (epoch, first), head, tail = await pipe.execute()
    first_seq = int(first or 1)
    oldest = entry_seq(head[0][0]) if head else first_seq
    newest = entry_seq(tail[0][0]) if tail else oldest - 1
    return StreamInfo(epoch.decode() if epoch else None, first_seq, oldest, newest)


def parse_entries(entries: Any) -> list[Entry]:
    """Stream entries (as redis-py returns them) as (seq, epoch, envelope, bytes); each event is decoded
    once here."""
    parsed = []
    for entry, fields in entries:
        raw = fields[b"d"]
        parsed.append((entry_seq(entry), fields[b"e"].decode(), decode_event(raw), raw))
    return parsed
