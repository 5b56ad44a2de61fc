"""A real TCP hop between a client and a server that breaks kept-alive connections on purpose.

What a client meets when the server closes an idle keep-alive connection just as the client sends
its next request on it: the request leaves, the connection closes, no answer comes. On an idle
machine the window is a few microseconds; on a busy one, with client and server on one event loop,
it is seconds. This hop makes it happen every time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

Drop = Literal["request", "answer"]


@dataclass
class DropCount:
    """How many reused connections the hop should still break, and how many it broke."""

    left: int
    broken: int = 0


@contextlib.asynccontextmanager
async def breaking_hop(url: str, *, breaks: int, drop: Drop = "request") -> AsyncIterator[tuple[str, DropCount]]:
    """Forward to ``url``; the first ``breaks`` times a connection that already carried an answer
    carries another request, close it: before the server sees the request (``drop="request"``), or
    after the server ran it but before its answer reaches the client (``drop="answer"``)."""
    target = urlsplit(url)
    count = DropCount(left=breaks)
    links: set[asyncio.Task[None]] = set()

    async def link(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(target.hostname, target.port)
        answered = asyncio.Event()
        doomed = asyncio.Event()

        async def upstream() -> None:
            while data := await client_r.read(65536):
                if answered.is_set() and count.left > 0:
                    count.left -= 1
                    count.broken += 1
                    if drop == "request":
                        break
                    doomed.set()
                answered.clear()
                server_w.write(data)
                await server_w.drain()

        async def downstream() -> None:
            while data := await server_r.read(65536):
                if doomed.is_set():
                    break  # the server ran the request; its answer is lost on the way
                answered.set()
                client_w.write(data)
                await client_w.drain()

        pumps = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    def accept(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(link(client_r, client_w))
        links.add(task)
        task.add_done_callback(links.discard)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", count
    finally:
        server.close()
        for task in list(links):
            task.cancel()
        await asyncio.gather(*links, return_exceptions=True)
        await server.wait_closed()
