"""Many light WebSocket clients for the realtime benchmarks: each keeps only counters and latencies."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import websockets

from load_tests.raw_http import RawHttp


class _Event(msgspec.Struct):
    seq: int
    occurred_at: str
    type: str = ""


# The producers of the realtime benchmarks commit location.* events; in ``bench all`` the board also
# carries other scenarios' task events (lapsed leases released by the sweeper), which are not counted.
COUNTED = "location."


class _Message(msgspec.Struct):
    op: str
    topic: str = ""
    epoch: str = ""
    seq: int = 0
    reason: str = ""
    events: list[_Event] = []


_decode = msgspec.json.Decoder(_Message | list[_Message]).decode
_committed: dict[str, float] = {}  # occurred_at text -> epoch seconds, parsed once per event, not per client


def committed_at(text: str) -> float:
    value = _committed.get(text)
    if value is None:
        value = _committed[text] = datetime.fromisoformat(text).timestamp()
    return value


def raise_fd_limit() -> None:
    """Thousands of sockets need thousands of file descriptors."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Client:
    """One socket following one topic; counts what it gets."""

    url: str
    topic: str
    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    resets: int = 0
    position: dict[str, Any] | None = None
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    ws: Any = None
    task: asyncio.Task[None] | None = None

    async def start(self, ticket_url: str, position: dict[str, Any] | None) -> None:
        self.ws = await websockets.connect(
            self.url + ticket_url, max_size=None, ping_interval=None, compression=None, open_timeout=60
        )
        message: dict[str, Any] = {"op": "subscribe", "topic": self.topic}
        if position is not None:
            message["from"] = position
        await self.ws.send(msgspec.json.encode(message).decode())
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                raw = await self.ws.recv(decode=False)  # bytes: no UTF-8 decoding before msgspec
                now = time.time()
                decoded = _decode(raw)
                for message in decoded if isinstance(decoded, list) else [decoded]:
                    self._take(message, now)

    def _take(self, message: _Message, now: float) -> None:
        if message.op == "events":
            for event in message.events:
                if not event.type.startswith(COUNTED):
                    continue
                if event.seq in self.seqs:
                    self.duplicates += 1
                    continue
                self.seqs.add(event.seq)
                self.latencies_ms.append((now - committed_at(event.occurred_at)) * 1000)
            self.position = {"epoch": message.epoch, "seq": message.seq}
        elif message.op == "subscribed":
            self.position = {"epoch": message.epoch, "seq": message.seq}
            self.subscribed.set()
        elif message.op == "reset":
            self.resets += 1
        elif message.op == "ping":
            asyncio.get_running_loop().create_task(self.ws.send('{"op":"pong"}'))

    async def stop(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def connect_all(
    clients: list[Client], base: str, headers: dict[str, str], position: dict[str, Any] | None,
    *, concurrency: int = 50,
) -> None:
    """Fetch a ticket, open the socket and subscribe, for every client; returns once all are acknowledged.
    Tickets are fetched right before each socket opens (they live 30 s)."""
    pool: asyncio.LifoQueue[RawHttp] = asyncio.LifoQueue()
    for _ in range(concurrency):
        pool.put_nowait(RawHttp(base, headers))

    async def one(client: Client) -> None:
        http = await pool.get()
        try:
            status, body = await http.post("/api/realtime/tickets", {})
            if status != 201:
                raise RuntimeError(f"ticket refused: {status} {body[:200]!r}")
            await client.start(msgspec.json.decode(body)["url"], position)
        finally:
            pool.put_nowait(http)
        await client.subscribed.wait()

    await asyncio.gather(*(one(c) for c in clients))
    while not pool.empty():
        await pool.get_nowait().close()
