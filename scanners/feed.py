"""A handheld's live feed: one WebSocket, subscriptions with positions, resume after a drop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection


@dataclass
class TopicState:
    """What the handheld holds for a topic: its position and the events it got (in order)."""

    epoch: str | None = None
    seq: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    resets: list[str] = field(default_factory=list)
    skus: list[str] | None = None

    @property
    def position(self) -> dict[str, Any] | None:
        return None if self.epoch is None or self.seq is None else {"epoch": self.epoch, "seq": self.seq}


class LiveFeed:
    """Messages from ``/ws``; pings are answered, events kept per topic with their position."""

    def __init__(self, ws: ClientConnection, *, on_event: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.ws = ws
        self.on_event = on_event
        self.topics: dict[str, TopicState] = {}
        self.messages: list[dict[str, Any]] = []  # control messages (welcome, subscribed, reset, error, presence)
        self.closed: tuple[int, str] | None = None
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._read())

    async def subscribe(
        self, topic: str, *, skus: list[str] | None = None, position: dict[str, Any] | None = None
    ) -> None:
        """Ask for a topic, from ``position`` (a snapshot's ``as_of`` or where this feed was) or from now."""
        state = self.topics.setdefault(topic, TopicState())
        state.skus = skus
        if position is not None:
            state.epoch, state.seq = position["epoch"], position["seq"]
        message: dict[str, Any] = {"op": "subscribe", "topic": topic}
        if skus is not None:
            message["skus"] = skus
        if position is not None:
            message["from"] = position
        await self.ws.send(json.dumps(message))

    async def unsubscribe(self, topic: str) -> None:
        await self.ws.send(json.dumps({"op": "unsubscribe", "topic": topic}))

    async def wait_for(self, predicate: Callable[[LiveFeed], Any], *, timeout_s: float = 120.0) -> Any:
        """Wait (without polling) until ``predicate(self)`` is truthy; returns its value."""
        async with asyncio.timeout(timeout_s), self._changed:
            while not (value := predicate(self)):
                if self.closed is not None:
                    raise ConnectionError(f"feed closed {self.closed}")
                await self._changed.wait()
            return value

    def control(self, op: str, topic: str | None = None) -> list[dict[str, Any]]:
        """Control messages of one kind (optionally for one topic)."""
        return [m for m in self.messages if m.get("op") == op and (topic is None or m.get("topic") == topic)]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                decoded = json.loads(raw)
                for message in decoded if isinstance(decoded, list) else [decoded]:
                    await self._take(message)
                async with self._changed:
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = (self.ws.close_code or 1006, self.ws.close_reason or "connection lost")
            async with self._changed:
                self._changed.notify_all()

    async def _take(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "ping":
            await self.ws.send(json.dumps({"op": "pong"}))
            return
        if op != "events":
            self.messages.append(message)
            state = self.topics.get(message.get("topic", ""))
            if state is not None and op == "subscribed":
                state.epoch, state.seq = message["epoch"], message["seq"]
            elif state is not None and op == "reset":
                state.resets.append(message.get("reason", ""))
                state.epoch = state.seq = None
            return
        state = self.topics.setdefault(message["topic"], TopicState())
        state.epoch, state.seq = message["epoch"], message["seq"]
        for event in message["events"]:
            state.events.append(event)
            if self.on_event is not None:
                self.on_event(message["topic"], event)
