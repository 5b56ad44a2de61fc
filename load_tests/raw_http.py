"""A minimal keep-alive HTTP/1.1 client for producing load: httpx costs a CPU core at a few hundred
requests per second, which on a 2-core machine would be measured as server latency."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import msgspec


class RawHttp:
    """One keep-alive connection; one request at a time."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: object, *, extra: dict[str, str] | None = None) -> tuple[int, bytes]:
        """POST JSON; returns the status and body. A keep-alive connection the
        server closed meanwhile is reopened and the request sent again (send an Idempotency-Key)."""
        return await self.request("POST", path, msgspec.json.encode(body), extra)

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path, None, None)

    async def request(
        self, method: str, path: str, payload: bytes | None, extra: dict[str, str] | None
    ) -> tuple[int, bytes]:
        try:
            return await self._request(method, path, payload, extra)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            self.writer = None
            return await self._request(method, path, payload, extra)

    async def _request(
        self, method: str, path: str, payload: bytes | None, extra: dict[str, str] | None
    ) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        more = "".join(f"{k}: {v}\r\n" for k, v in (extra or {}).items())
        if payload is not None:
            more += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}{more}\r\n".encode() + (payload or b"")
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
