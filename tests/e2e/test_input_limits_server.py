"""The real ``floorsync serve`` over a socket: a 16 MB header and a 150 MB body are refused before they
are read (the server's memory does not jump), a large body within the limit is not taken for a header,
and the server goes on serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.processes import ServerProcess, answers_ready, floorsync, server_env, stop

REPO = Path(__file__).resolve().parents[2]
MB = 1 << 20
RSS_SLACK = 48 * MB  # far below the 150 MB a read body would cost


@contextlib.asynccontextmanager
async def running_server(settings: Settings, data_dir: Path) -> AsyncIterator[tuple[int, ServerProcess]]:
    port = free_port()
    server = floorsync("serve", env=server_env(settings, data_dir, port=port), cwd=REPO)
    try:
        await wait_until(lambda: answers_ready(f"http://127.0.0.1:{port}"), timeout_s=120, what="the server")
        yield port, server
    finally:
        stop(server)
        server.finish()


async def exchange(
    port: int, head: bytes, body_chunks: AsyncIterator[bytes] | None = None
) -> tuple[int, dict[str, object], int]:
    """Send ``head`` (and body chunks until the server answers); (status, problem body, bytes sent)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0

    async def send() -> None:
        nonlocal sent
        with contextlib.suppress(ConnectionError):
            writer.write(head)
            sent += len(head)
            await writer.drain()
            if body_chunks is not None:
                async for chunk in body_chunks:
                    writer.write(chunk)
                    sent += len(chunk)
                    await writer.drain()

    sending = asyncio.create_task(send())
    try:
        async with asyncio.timeout(60):
            status_line = await reader.readline()
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        writer.transport.abort()  # the server may have reset the connection; nothing more to say either way
    return int(status_line.split()[1]), json.loads(body or b"{}"), sent


def rss(server: ServerProcess) -> int:
    return int(psutil.Process(server.pid).memory_info().rss)


async def filler(total: int, *, chunked: bool) -> AsyncIterator[bytes]:
    piece = b"a" * (256 * 1024)
    for _ in range(total // len(piece)):
        yield b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        await asyncio.sleep(0)  # let the reader see the answer as soon as it comes


@pytest.mark.e2e
async def test_a_huge_header_and_a_huge_body_are_refused_before_they_are_read(
    seeded: Settings, tmp_path: Path
) -> None:
    async with running_server(seeded, tmp_path / "fs") as (port, server):
        before = rss(server)
        login = b"POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"

        status, problem, sent = await exchange(
            port, b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-filler: ", filler(16 * MB, chunked=False)
        )
        assert (status, problem["code"]) == (431, "request.headers_too_large")
        assert sent < 16 * MB, "the server read the whole header before refusing it"

        status, problem, sent = await exchange(port, login + b"content-length: %d\r\n\r\n" % (150 * MB))
        assert (status, problem["code"]) == (413, "request.too_large"), problem  # on Content-Length alone

        status, problem, sent = await exchange(
            port, login + b"transfer-encoding: chunked\r\n\r\n", filler(150 * MB, chunked=True)
        )
        assert (status, problem["code"]) == (413, "request.too_large")
        assert sent < 150 * MB, "the server read the whole streamed body before refusing it"

        # a large body within the limit is a body, not head: its last read used to be counted as head
        big = json.dumps({"username": "nobody", "password": "a" * (600 * 1024)}).encode()

        async def body() -> AsyncIterator[bytes]:
            yield big

        status, problem, _ = await exchange(port, login + b"content-length: %d\r\n\r\n" % len(big), body())
        assert status != 431, problem

        grown = rss(server) - before
        assert grown < RSS_SLACK, f"server memory grew by {grown / MB:.0f} MB"
        status, problem, _ = await exchange(port, b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        assert status == 200
