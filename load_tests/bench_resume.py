"""Time for N clients that were away while E events were committed to reconnect (ticket, socket,
subscribe from their position) and catch up on every one of them.

    python -m load_tests.bench resume --clients 1000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from typing import Any

import httpx
import uvloop

from load_tests.harness import backends, login_headers, server
from load_tests.ws_clients import Client, connect_all, raise_fd_limit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--missed", type=int, default=200, help="events committed while the clients were away")


async def _commit(http: httpx.AsyncClient, count: int) -> None:
    prefix = "RS" + secrets.token_hex(3).upper()
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        async with gate:
            response = await http.post(
                "/api/warehouses/WH1/locations", json={"code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"}
            )
            response.raise_for_status()

    await asyncio.gather(*(one(n) for n in range(count)))


async def _run(base: str, args: argparse.Namespace) -> dict[str, Any]:
    ws_base = base.replace("http", "ws", 1)
    headers = login_headers(base, "super1", "floorsync-super")
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as http:
        position = (await http.get("/api/realtime/warehouses/WH1/position")).json()
        first = [Client(ws_base, "board:WH1") for _ in range(args.clients)]
        await connect_all(first, base, headers, position)
        for client in first:
            await client.stop()

        await _commit(http, args.missed)
        target = position["seq"] + args.missed
        while (await http.get("/api/realtime/warehouses/WH1/position")).json()["seq"] < target:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

        back = [Client(ws_base, "board:WH1") for _ in range(args.clients)]
        started = time.perf_counter()
        await connect_all(back, base, headers, position, concurrency=100)
        while any(len(c.seqs) < args.missed for c in back):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
    delivered = sum(len(c.seqs) for c in back)
    for client in back:
        await client.stop()
    return {
        "clients": args.clients,
        "missed_events": args.missed,
        "resume_all_s": round(elapsed, 2),
        "delivered": delivered,
        "lost": args.clients * args.missed - delivered,
        "duplicates": sum(c.duplicates for c in back),
        "resets": sum(c.resets for c in back),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    with backends() as found, server(found) as srv:
        return uvloop.run(_run(srv.url, args))  # the clients, not the server, on uvloop
