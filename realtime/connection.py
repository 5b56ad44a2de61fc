"""One socket: its subscriptions and a bounded send queue drained by one sender task."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Protocol

from realtime import metrics
from realtime.envelope import Envelope, encode_message, join_messages
from realtime.topics import Topic, Viewer

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_DEAD = 4408
CLOSE_SLOW = 4409

_ids = itertools.count(1)

# (seq, decoded envelope for filtering, encoded bytes for sending)
Item = tuple[int, Envelope, bytes]


class Socket(Protocol):
    """What the gateway needs of a WebSocket (the server adapts its framework's socket to this)."""

    async def send(self, data: bytes) -> None: ...

    async def receive(self) -> bytes | str | None:
        """The next message, or None once the peer has gone."""
        ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False, slots=True)
class Subscription:
    """A topic on a connection, complete through ``cursor`` in ``epoch``; while it catches up from the
    stream, live events wait in ``pending``."""

    connection: Connection
    topic: Topic
    epoch: str = ""
    cursor: int = 0
    live: bool = False
    pending: list[Item] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    since: float = 0.0  # when it started collecting live events (monotonic)


class Connection:
    """A socket's state; ``offer`` never blocks and never grows past the bounds.

    Thousands are open at once, so it keeps no more than it must: slots, a plain list for the queue,
    and a future only while the sender (or a paced replay) actually waits, where asyncio.Event and
    deque would allocate their buffers up front for every idle socket.
    """

    __slots__ = (
        "_drain_waiting",
        "_queue",
        "_queued_bytes",
        "_queued_events",
        "_sender_waiting",
        "closing",
        "id",
        "kicked",
        "last_heard",
        "max_queued_bytes",
        "max_queued_events",
        "ping_sent_at",
        "sending_since",
        "socket",
        "subscriptions",
        "viewer",
    )

    def __init__(
        self, socket: Socket, viewer: Viewer, *, max_queued_events: int = 5000, max_queued_bytes: int = 4 << 20
    ) -> None:
        self.id = next(_ids)
        self.socket = socket
        self.viewer = viewer
        self.subscriptions: dict[str, Subscription] = {}
        self.max_queued_events = max_queued_events
        self.max_queued_bytes = max_queued_bytes
        self._queue: list[bytes] = []
        self._queued_events = 0
        self._queued_bytes = 0
        self._sender_waiting: asyncio.Future[None] | None = None
        self._drain_waiting: list[asyncio.Future[None]] = []
        self.closing: tuple[int, str] | None = None
        self.last_heard = time.monotonic()
        self.ping_sent_at: float | None = None
        self.sending_since: float | None = None
        self.kicked = False  # the server ended it (slow, dead, closed), not the peer

    @property
    def queued_events(self) -> int:
        return self._queued_events

    def offer(self, message: bytes, events: int = 0) -> bool:
        """Queue a message; on overflow drop the queue, queue ``reset`` for every topic and close."""
        if self.closing is not None:
            return False
        if self._queued_events + events > self.max_queued_events or (
            self._queued_bytes + len(message) > self.max_queued_bytes
        ):
            self.overflow()
            return False
        self._queue.append(message)
        self._queued_events += events
        self._queued_bytes += len(message)
        self._wake_sender()
        return True

    def send_control(self, message: dict[str, object]) -> None:
        """Queue a control message (acks, errors, pings); bounded like everything else."""
        self.offer(encode_message(message))

    def overflow(self) -> None:
        """Too slow: never an unbounded queue, never a silent drop; tell it to resync, then close."""
        self._take_queue()
        resets = [
            encode_message({"op": "reset", "topic": name, "reason": "slow_consumer"}) for name in self.subscriptions
        ]
        metrics.WS_RESETS.labels("slow_consumer").inc(len(resets))
        if resets:
            self._queue.append(join_messages(resets))
        self.close_soon(CLOSE_SLOW, "slow consumer: resync from a snapshot")

    def close_soon(self, code: int, reason: str) -> None:
        """Send what is queued (if it goes quickly), then close."""
        if self.closing is None:
            self.closing = (code, reason)
            metrics.WS_CLOSED.labels(reason.partition(":")[0]).inc()
        self._wake_sender()
        self._wake_drain_waiting()

    async def drained(self, below: int) -> None:
        """Wait until fewer than ``below`` events are queued (replay pacing)."""
        while self._queued_events >= below and self.closing is None:
            waiting = asyncio.get_running_loop().create_future()
            self._drain_waiting.append(waiting)
            await waiting

    def _wake_sender(self) -> None:
        if self._sender_waiting is not None and not self._sender_waiting.done():
            self._sender_waiting.set_result(None)

    def _wake_drain_waiting(self) -> None:
        waiting, self._drain_waiting = self._drain_waiting, []
        for future in waiting:
            if not future.done():
                future.set_result(None)

    def _take_queue(self) -> list[bytes]:
        """Everything queued, leaving the queue empty (and whoever paces on it free to go on)."""
        batch, self._queue = self._queue, []
        self._queued_events = self._queued_bytes = 0
        self._wake_drain_waiting()
        return batch

    async def run_sender(self) -> None:
        """Send queued messages, several at once (as one JSON array) when they piled up."""
        loop = asyncio.get_running_loop()
        while True:
            while not self._queue and self.closing is None:
                self._sender_waiting = loop.create_future()
                try:
                    await self._sender_waiting
                finally:
                    self._sender_waiting = None
            while self._queue:
                batch = self._take_queue()
                self.sending_since = time.monotonic()
                await self.socket.send(batch[0] if len(batch) == 1 else join_messages(batch))
                self.sending_since = None
            if self.closing is not None:
                with contextlib.suppress(Exception):
                    await self.socket.close(*self.closing)
                return
