"""The in-process hub: which subscriptions follow which warehouse, one reader per warehouse, and the
fanout that filters and frames each batch once per topic key and queues the same bytes to every socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable

import redis.asyncio as aioredis

from realtime import metrics
from realtime.connection import Item, Subscription
from realtime.envelope import encode_message, events_frame
from realtime.keys import Keys
from realtime.reader import StreamReader
from realtime.replay_cache import ReplayCache
from realtime.tasks import cancel_and_wait
from realtime.topics import Topic

MAX_PENDING = 20_000  # live events held for one subscription while it replays
PACE_PER_SUBSCRIPTION_S = 40e-6  # roughly what waking and writing one socket costs
MAX_PACE_S = 0.2


def frame_for(topic: Topic, epoch: str, items: list[Item]) -> tuple[bytes, int] | None:
    """The ``events`` message of the items the topic carries, or None if it carries none of them."""
    chosen = [raw for _, event, raw in items if topic.matches(event)]
    if not chosen:
        return None
    return events_frame(topic=topic.name, epoch=epoch, seq=items[-1][0], events=chosen), len(chosen)


class Hub:
    """Subscriptions by warehouse, and their readers."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._by_warehouse: dict[str, set[Subscription]] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}
        self.replays = ReplayCache(redis, keys)

    def subscriptions(self, warehouse: str) -> set[Subscription]:
        return self._by_warehouse.get(warehouse, set())

    def add(self, sub: Subscription) -> None:
        """Follow the warehouse (starting its reader if this is the first subscription here)."""
        warehouse = sub.topic.warehouse
        sub.since = time.monotonic()
        self._by_warehouse.setdefault(warehouse, set()).add(sub)
        if warehouse not in self._readers:
            reader = StreamReader(self.redis, self.keys, warehouse, self)
            self._readers[warehouse] = asyncio.create_task(reader.run(), name=f"reader-{warehouse}")

    def remove(self, sub: Subscription) -> None:
        """Forget the subscription (stopping the reader when nobody here follows the warehouse)."""
        if sub.task is not None and sub.task is not asyncio.current_task():
            sub.task.cancel()
        warehouse = sub.topic.warehouse
        subs = self._by_warehouse.get(warehouse)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._by_warehouse[warehouse]
            reader = self._readers.pop(warehouse, None)
            if reader is not None:
                reader.cancel()

    def reset(self, sub: Subscription, reason: str) -> None:
        """The subscription cannot continue without a gap: say ``reset`` and drop it."""
        self.remove(sub)
        connection = sub.connection
        if connection.subscriptions.get(sub.topic.name) is sub:
            del connection.subscriptions[sub.topic.name]
        metrics.WS_RESETS.labels(reason).inc()
        connection.offer(encode_message({"op": "reset", "topic": sub.topic.name, "reason": reason}))

    def pace(self, warehouse: str) -> float:
        """Minimum time between two fanouts: about half the time goes to fanout at full load."""
        return min(MAX_PACE_S, 2 * PACE_PER_SUBSCRIPTION_S * len(self._by_warehouse.get(warehouse, ())))

    def fanout(self, warehouse: str, epoch: str, items: list[Item]) -> None:
        """Deliver a batch (consecutive seqs) to every subscription of the warehouse."""
        subs = self._by_warehouse.get(warehouse)
        if not subs or not items:
            return
        first, last = items[0][0], items[-1][0]
        frames: dict[Hashable, tuple[bytes, int] | None] = {}
        sent = 0
        for sub in list(subs):
            if not sub.live:
                if len(sub.pending) + len(items) > MAX_PENDING:
                    self.reset(sub, "slow_consumer")
                else:
                    sub.pending.extend(items)
                continue
            if last <= sub.cursor:
                continue
            if sub.epoch != epoch:
                self.reset(sub, "epoch_changed")
                continue
            if sub.cursor < first - 1:
                self.reset(sub, "gap")
                continue
            if sub.cursor == first - 1:
                key = sub.topic.key
                if key not in frames:
                    frames[key] = frame_for(sub.topic, epoch, items)
                frame = frames[key]
            else:
                frame = frame_for(sub.topic, epoch, [i for i in items if i[0] > sub.cursor])
            sub.cursor = last
            if frame is not None and sub.connection.offer(*frame):
                sent += frame[1]
        metrics.WS_EVENTS_SENT.inc(sent)
        now = time.time()
        for _, event, _ in items:
            metrics.WS_FANOUT_DELAY.observe(max(0.0, now - event.occurred_at.timestamp()))

    def epoch_changed(self, warehouse: str, epoch: str, first_seq: int) -> None:
        """The stream was rebuilt from ``first_seq``: subscriptions exactly there carry on, others reset."""
        for sub in list(self._by_warehouse.get(warehouse, ())):
            if sub.epoch == epoch:
                continue
            if sub.live and sub.cursor == first_seq - 1:
                sub.epoch = epoch
            else:
                self.reset(sub, "epoch_changed")

    def gap(self, warehouse: str, expected: int, got: int) -> None:
        """The reader saw a hole (entries trimmed under it): nobody live can continue without one."""
        for sub in list(self._by_warehouse.get(warehouse, ())):
            if sub.cursor < got - 1:
                self.reset(sub, "gap")

    async def close(self) -> None:
        await cancel_and_wait(self._readers.values())
        self._readers.clear()
        self._by_warehouse.clear()
