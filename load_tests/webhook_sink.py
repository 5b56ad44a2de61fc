"""A webhook receiver for the benchmark, in a process of its own so that the benchmark's clients do not
slow it down: answers every POST with 200 at once and records (path, seq, arrival, occurred_at);
``GET /records?from=N`` returns the records from the N-th on as JSON.

    python -m load_tests.webhook_sink PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from datetime import datetime

import msgspec
import uvloop


class _Event(msgspec.Struct):
    seq: int
    occurred_at: datetime


RECORDS: list[tuple[str, int, float, float]] = []
_decode = msgspec.json.Decoder(_Event).decode


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            if method == "GET":
                start = int(target.partition("from=")[2] or 0)
                payload = msgspec.json.encode(RECORDS[start:])
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(payload) + payload)
                continue
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            if target.startswith("/s"):
                event = _decode(body)
                RECORDS.append((target, event.seq, time.time(), event.occurred_at.timestamp()))
    writer.close()


async def _main(port: int) -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", port, backlog=1024)
    print("sink ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(_main(int(sys.argv[1])))
