"""A real HTTP/1.1 webhook receiver on a free loopback port, started by the test, that answers each
request as the test says: a status, maybe after a delay (slow, or longer than the sender's timeout)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import msgspec


@dataclass(frozen=True, slots=True)
class Received:
    """One request as it arrived; ``answered`` is the status written back (None if the sender hung up)."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # unix time of arrival, to check the signature's timestamp against

    @property
    def event(self) -> dict[str, Any]:
        decoded: dict[str, Any] = msgspec.json.decode(self.body)
        return decoded


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    delay_s: float = 0.0


Behaviour = Callable[[Received], Answer]


@dataclass
class Receiver:
    """``behave`` decides each answer; ``received`` lists every request, ``acknowledged`` those answered 2xx."""

    behave: Behaviour
    received: list[Received] = field(default_factory=list)
    acknowledged: list[Received] = field(default_factory=list)
    url: str = ""
    most_in_flight: dict[str, int] = field(default_factory=dict)  # per path: the most requests at once
    _in_flight: dict[str, int] = field(default_factory=dict)
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[Any]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        # end the handlers by closing their connections (a cancelled handler is logged as an error)
        self._closing.set()
        for writer in list(self._writers):
            writer.close()
        if self._handlers:
            await asyncio.wait(list(self._handlers), timeout=30)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = lines[0].split(" ")[1]
                request = Received(path, headers, body, time.time())
                self.received.append(request)
                self._in_flight[path] = self._in_flight.get(path, 0) + 1
                self.most_in_flight[path] = max(self.most_in_flight.get(path, 0), self._in_flight[path])
                try:
                    answer = self.behave(request)
                    if answer.delay_s:
                        # the slow receiver under test (cut short when the test ends), not a wait for an outcome
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._closing.wait(), answer.delay_s)
                    if self._closing.is_set():
                        return
                    writer.write(f"HTTP/1.1 {answer.status} Answer\r\ncontent-length: 2\r\n\r\nok".encode())
                    await writer.drain()
                finally:
                    self._in_flight[path] -= 1
                if 200 <= answer.status < 300:
                    self.acknowledged.append(request)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._handlers.discard(task)
            self._writers.discard(writer)


def always(status: int) -> Behaviour:
    """A receiver that answers ``status`` to everything."""
    return lambda _request: Answer(status)
