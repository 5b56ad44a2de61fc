"""Who is online in a warehouse, on which device, across every instance (kept in Redis, best effort),
and where a floor worker is: the task and bin a handheld says it is at (a live hint for the board,
kept in Redis only: no PostgreSQL write per scan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.guided.roles import ADMIN, FLOOR_ROLES
from realtime.keys import Keys
from realtime.tasks import cancel_and_wait, raise_if_cancelled
from realtime.topics import TopicError, Viewer

log = logging.getLogger("floorsync.presence")

TTL_S = 60  # an instance that dies stops refreshing; its entries vanish within this
MAX_AT_CHARS = 64


def parse_at(message: dict[str, Any], viewer: Viewer, joined: set[str]) -> tuple[str, dict[str, Any] | None]:
    """The warehouse and place an ``at`` message gives: ``{"op": "at", "warehouse", "task", "location"}``,
    task and location ``null`` when the worker left the bin. Only a floor worker of a warehouse this
    connection follows may say where it is."""
    warehouse = message.get("warehouse")
    if not isinstance(warehouse, str) or warehouse not in joined:
        raise TopicError("at.unknown_warehouse", "An 'at' names a warehouse this connection subscribed to.")
    if not viewer.roles & (FLOOR_ROLES | {ADMIN}):
        raise TopicError("at.forbidden", "Only floor workers say which bin they are at.")
    task, location = message.get("task"), message.get("location")
    for value in (task, location):
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= MAX_AT_CHARS):
            limit = f"strings of 1 to {MAX_AT_CHARS} characters, or null"
            raise TopicError("at.invalid", f"'task' and 'location' are {limit}.")
    if task is None and location is None:
        return warehouse, None
    return warehouse, {"task": task, "location": location, "since": time.time()}


class Presence:
    """This instance's share of presence, plus a listener that reports changes from any instance."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        instance: str,
        on_change: Callable[[str, list[dict[str, Any]]], None],
        *,
        debounce_s: float = 0.2,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.instance = instance
        self.on_change = on_change
        self.debounce_s = debounce_s
        self._dirty: set[str] = set()
        self._flush_task: asyncio.Task[None] | None = None
        self._closed = False
        self._members: dict[tuple[int, str], dict[str, Any]] = {}  # (connection, warehouse) -> entry

    @property
    def updating(self) -> bool:
        """Whether a change is waiting to be reported (see ``_flush``)."""
        return self._flush_task is not None and not self._flush_task.done()

    async def close(self) -> None:
        """Report nothing more, and end a report under way: it would otherwise open a connection on a
        Redis client its owner is about to close, and leave that socket open."""
        self._closed = True
        if self._flush_task is not None:
            await cancel_and_wait([self._flush_task])

    async def join(self, connection_id: int, viewer: Viewer, warehouse: str) -> None:
        """Mark a connection online in a warehouse."""
        member = {
            "user_id": viewer.user_id,
            "username": viewer.username,
            "device_id": viewer.device_id,
            "roles": sorted(viewer.roles),
            "at": None,
        }
        self._members[(connection_id, warehouse)] = member
        key = self.keys.presence(warehouse, self.instance)
        await self._quietly(self._write, key, {str(connection_id): msgspec.json.encode(member)}, warehouse)

    async def locate(self, connection_id: int, warehouse: str, at: dict[str, Any] | None) -> None:
        """Say where a joined connection's worker is now (``None``: no longer at a bin)."""
        member = self._members.get((connection_id, warehouse))
        if member is None:
            return
        member["at"] = at
        key = self.keys.presence(warehouse, self.instance)
        await self._quietly(self._write, key, {str(connection_id): msgspec.json.encode(member)}, warehouse)

    async def leave(self, connection_id: int, warehouses: set[str]) -> None:
        """Mark a connection gone from its warehouses."""
        for warehouse in warehouses:
            self._members.pop((connection_id, warehouse), None)
            key = self.keys.presence(warehouse, self.instance)
            await self._quietly(self._remove, key, str(connection_id), warehouse)

    async def refresh(self, warehouses: set[str]) -> None:
        """Keep this instance's entries alive (called periodically)."""
        with contextlib.suppress(RedisError, OSError):
            pipe = self.redis.pipeline(transaction=False)
            for warehouse in warehouses:
                pipe.expire(self.keys.presence(warehouse, self.instance), TTL_S)
            await pipe.execute()

    async def online(self, warehouse: str) -> list[dict[str, Any]]:
        """Everyone online in the warehouse: one entry per user and device, with a connection count."""
        found: dict[tuple[int, str | None], dict[str, Any]] = {}
        async for key in self.redis.scan_iter(match=self.keys.presence_pattern(warehouse), count=200):
            for raw in (await self.redis.hgetall(key)).values():
                member = msgspec.json.decode(raw)
                slot = found.setdefault((member["user_id"], member["device_id"]), {**member, "connections": 0})
                slot["connections"] += 1
                if (member.get("at") or {}).get("since", 0) > (slot.get("at") or {}).get("since", 0):
                    slot["at"] = member["at"]  # the latest a device said, whichever socket said it
        return sorted(found.values(), key=lambda m: (m["username"], m["device_id"] or ""))

    async def listen(self) -> None:
        """Report presence changes published by any instance (run as a task)."""
        delay = 0.1
        while True:
            raise_if_cancelled()
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.keys.presence_channel)
                    delay = 0.1
                    while True:
                        # a bounded wait, not listen(): a cancellation redis-py swallowed still ends
                        # the listener within a second
                        raise_if_cancelled()
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                        if message is not None and message["type"] == "message":
                            self._mark(message["data"].decode())
            except (RedisError, OSError) as exc:
                log.info("presence listener: Redis unavailable (%s)", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _mark(self, warehouse: str) -> None:
        self._dirty.add(warehouse)
        if not self._closed and not self.updating:
            self._flush_task = asyncio.create_task(self._flush(), name="presence-report")

    async def _flush(self) -> None:
        await asyncio.sleep(self.debounce_s)  # coalesce a burst of joins into one update per warehouse
        dirty, self._dirty = self._dirty, set()
        for warehouse in dirty:
            with contextlib.suppress(RedisError, OSError):
                self.on_change(warehouse, await self.online(warehouse))

    async def _write(self, key: str, mapping: dict[str, bytes], warehouse: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        pipe.expire(key, TTL_S)
        pipe.publish(self.keys.presence_channel, warehouse)
        await pipe.execute()

    async def _remove(self, key: str, field: str, warehouse: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hdel(key, field)
        pipe.publish(self.keys.presence_channel, warehouse)
        await pipe.execute()

    async def _quietly(self, action: Callable[..., Any], *args: Any) -> None:
        try:
            await action(*args)
        except (RedisError, OSError) as exc:
            log.info("presence not updated: Redis unavailable (%s)", exc)
