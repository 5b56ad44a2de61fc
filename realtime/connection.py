"""One socket: its subscriptions and a bounded send queue, sent at once while the socket keeps up."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from realtime import metrics
from realtime.envelope import Envelope, encode_message, join_messages
from realtime.tasks import start_eagerly
from realtime.topics import Topic, Viewer

log = logging.getLogger("floorsync.gateway")

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

    A message is written at once while the socket takes it (no task and no task switch per socket
    per event: a fan-out writes a thousand sockets in one go). Only a send that has to wait for a
    slow peer continues in a task; meanwhile messages queue, bounded, and go out together after it.

    Thousands are open at once, so it keeps no more than it must: slots, a plain list for the queue,
    and a future only while a paced replay actually waits.
    """

    __slots__ = (
        "_drain_waiting",
        "_on_gone",
        "_queue",
        "_queued_bytes",
        "_queued_events",
        "_sending",
        "closing",
        "finished",
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
        self,
        socket: Socket,
        viewer: Viewer,
        *,
        max_queued_events: int = 5000,
        max_queued_bytes: int = 4 << 20,
        on_gone: Callable[[Connection], None] | None = None,
    ) -> None:
        self.id = next(_ids)
        self.socket = socket
        self.viewer = viewer
        self.subscriptions: dict[str, Subscription] = {}
        self.max_queued_events = max_queued_events
        self.max_queued_bytes = max_queued_bytes
        self._on_gone = on_gone  # called once, when the socket is closed or its peer is gone
        self._queue: list[bytes] = []
        self._queued_events = 0
        self._queued_bytes = 0
        self._sending: asyncio.Task[None] | None = None  # a send waiting for the peer
        self._drain_waiting: list[asyncio.Future[None]] = []
        self.closing: tuple[int, str] | None = None
        self.finished = False  # the close frame went out, or the peer is gone: nothing more is sent
        self.last_heard = time.monotonic()
        self.ping_sent_at: float | None = None
        self.sending_since: float | None = None
        self.kicked = False  # the server ended it (slow, dead, closed), not the peer

    @property
    def queued_events(self) -> int:
        return self._queued_events

    def offer(self, message: bytes, events: int = 0) -> bool:
        """Send or queue a message; on overflow drop the queue, queue ``reset`` for every topic and close."""
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
        self._flush()
        return True

    def send_control(self, message: dict[str, object]) -> None:
        """Send a control message (acks, errors, pings); bounded like everything else."""
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
        self._wake_drain_waiting()
        self._flush()

    def abandon(self) -> None:
        """The socket is being dropped: stop any send still waiting for the peer, send nothing more."""
        self.finished = True
        self.closing = self.closing or (CLOSE_GOING_AWAY, "dropped")
        self._on_gone = None
        if self._sending is not None:
            self._sending.cancel()
        self._take_queue()

    async def drained(self, below: int) -> None:
        """Wait until fewer than ``below`` events are queued (replay pacing)."""
        while self._queued_events >= below and self.closing is None:
            waiting = asyncio.get_running_loop().create_future()
            self._drain_waiting.append(waiting)
            await waiting

    def _flush(self) -> None:
        """Send what is queued, then the close frame if one was asked for, until a send has to wait."""
        while self._sending is None and not self.finished:
            if self._queue:
                batch = self._take_queue()
                step: Coroutine[Any, Any, None] = self.socket.send(
                    batch[0] if len(batch) == 1 else join_messages(batch)
                )
            elif self.closing is not None:
                self.finished = True
                step = self.socket.close(*self.closing)
            else:
                return
            try:
                waiting = start_eagerly(step)
            except Exception as exc:  # the peer is gone (or went while being closed)
                self._lost(exc)
                return
            if waiting is not None:
                self._sending = waiting
                self.sending_since = time.monotonic()
                waiting.add_done_callback(self._sent)
        if self.finished:
            self._gone()

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending = None
        self.sending_since = None
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            self._lost(exc)
        else:
            self._flush()

    def _lost(self, exc: BaseException) -> None:
        log.debug("connection %s: send failed: %s: %s", self.id, type(exc).__name__, exc)
        self.finished = True
        self.closing = self.closing or (CLOSE_GOING_AWAY, "peer gone")
        self._take_queue()
        self._gone()

    def _gone(self) -> None:
        on_gone, self._on_gone = self._on_gone, None
        if on_gone is not None:
            on_gone(self)

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
