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
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

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
    """One socket following one topic; counts what it gets.

    It runs websockets' sans-I/O protocol straight on an asyncio transport: a message is handled in
    the read callback, with no task switch per message, so a thousand of them in one process measure
    the server rather than themselves.
    """

    url: str
    topic: str
    seqs: set[int] = field(default_factory=set)
    duplicates: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    resets: int = 0
    position: dict[str, Any] | None = None
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    stream: _Stream | None = None

    async def start(self, ticket_url: str, position: dict[str, Any] | None) -> None:
        uri = parse_uri(self.url + ticket_url)
        protocol = ClientProtocol(uri, max_size=None)
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        _, self.stream = await asyncio.get_running_loop().create_connection(
            lambda: _Stream(self, protocol, opened), uri.host, uri.port
        )
        protocol.send_request(protocol.connect())
        self.stream.flush()
        await asyncio.wait_for(opened, 60)
        message: dict[str, Any] = {"op": "subscribe", "topic": self.topic}
        if position is not None:
            message["from"] = position
        self.stream.send_text(msgspec.json.encode(message))

    def forget(self) -> None:
        """Drop what was counted so far (a warm-up), keep following."""
        self.seqs.clear()
        self.latencies_ms.clear()
        self.duplicates = 0

    def take(self, raw: bytes | bytearray | memoryview, now: float) -> None:
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
        elif message.op == "ping" and self.stream is not None:
            self.stream.send_text(b'{"op":"pong"}')

    async def stop(self) -> None:
        if self.stream is not None and self.stream.transport is not None:
            self.stream.transport.close()


class _Stream(asyncio.Protocol):
    """Bytes in, websockets' protocol parses them; pings are answered by the protocol itself."""

    def __init__(self, client: Client, protocol: ClientProtocol, opened: asyncio.Future[None]) -> None:
        self.client = client
        self.protocol = protocol
        self.opened = opened
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        protocol = self.protocol
        protocol.receive_data(data)
        for event in protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:  # the gateway sends whole messages, never fragments
                    self.client.take(event.data, now)
                    if not self.opened.done():  # the first message of a socket opened before it
                        self.opened.set_result(None)
            elif not self.opened.done():  # the handshake response
                if protocol.handshake_exc is not None:
                    self.opened.set_exception(protocol.handshake_exc)
                else:
                    self.opened.set_result(None)
        self.flush()

    def send_text(self, data: bytes) -> None:
        self.protocol.send_text(data)
        self.flush()

    def flush(self) -> None:
        outgoing = self.protocol.data_to_send()
        if outgoing and self.transport is not None:
            self.transport.write(b"".join(outgoing))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))


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
