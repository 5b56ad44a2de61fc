"""Webhooks under load: events delivered per second to 10 subscriptions while commands run, the command
p99 with and without dead receivers beside them, and the delivery p99 from commit.

    python -m load_tests.bench webhooks --json

Rounds alternate a phase with only healthy subscriptions and one where dead receivers (a port that
accepts and never answers, and one that refuses) are subscribed too, so drift of the machine's speed
hits both alike. The ceiling beside the delivery rate is what this process alone can POST to the same
receiver from 10 concurrent senders (no server, no database), measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import msgspec
import uvloop

from load_tests.harness import backends, free_port, login_headers, percentile, server

WAREHOUSE = "WH1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--dead", type=int, default=4, help="dead receivers subscribed in the dead phases")
    parser.add_argument("--commands", type=int, default=300, help="commands per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="commands in flight")
    parser.add_argument("--rounds", type=int, default=3)


class _Event(msgspec.Struct):
    seq: int
    occurred_at: datetime


@dataclass
class GoodReceiver:
    """Answers 200 at once; records (path, seq, arrival, occurred_at) of every delivery."""

    got: list[tuple[str, int, float, float]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decode = msgspec.json.Decoder(_Event).decode
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                length = next(
                    int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"
                )
                body = await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                event = decode(body)
                self.got.append((path, event.seq, time.time(), event.occurred_at.timestamp()))
        writer.close()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A dead receiver that accepts and never answers: each delivery runs into its timeout."""
    with contextlib.suppress(ConnectionError):
        await reader.read()  # until the sender gives up and closes
    writer.close()


async def _commands(http: httpx.AsyncClient, count: int, concurrency: int) -> list[float]:
    """``count`` location.create commands (each commits one event) from ``concurrency`` callers; latencies in s."""
    prefix = "WB" + secrets.token_hex(3).upper()
    latencies: list[float] = []
    numbers = iter(range(count))

    async def caller() -> None:
        for n in numbers:
            body = {"code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"}
            started = time.perf_counter()
            answer = await http.post(
                f"/api/warehouses/{WAREHOUSE}/locations", json=body, headers={"Idempotency-Key": f"{prefix}-{n}"}
            )
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies


async def _subscribe(http: httpx.AsyncClient, url: str, *, timeout_s: float = 10.0) -> int:
    answer = await http.post(
        "/api/webhooks/",
        json={"warehouse": WAREHOUSE, "url": url, "timeout_s": timeout_s, "max_attempts": 20},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    answer.raise_for_status()
    return int(answer.json()["subscription"]["id"])


async def _set_active(http: httpx.AsyncClient, ids: list[int], active: bool) -> None:
    for sub_id in ids:
        answer = await http.patch(
            f"/api/webhooks/{sub_id}", json={"active": active}, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        answer.raise_for_status()


async def _head(http: httpx.AsyncClient) -> int:
    return int((await http.get("/api/realtime/warehouses/WH1/position")).json()["seq"])


async def _caught_up(http: httpx.AsyncClient, ids: list[int], head: int, *, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        views = [(await http.get(f"/api/webhooks/{i}")).json() for i in ids]
        if all(v["cursor"] >= head for v in views):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"subscriptions did not catch up to {head}: {[v['cursor'] for v in views]}")
        await asyncio.sleep(0.05)  # polling interval


async def _post_ceiling(url: str, *, senders: int, seconds: float = 3.0) -> float:
    """POSTs per second this process alone gets through to the receiver (the sending side's ceiling)."""
    body = b'{"seq":1,"occurred_at":"2026-01-01T00:00:00Z"}'
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=10) as client:

        async def sender() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                (await client.post(url, content=body)).raise_for_status()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(senders)))
        return done / (time.perf_counter() - started)


async def _run(base: str, args: argparse.Namespace) -> dict[str, Any]:
    good = GoodReceiver()
    await good.start()
    silent = await asyncio.start_server(_silent, "127.0.0.1", 0)
    silent_url = f"http://127.0.0.1:{silent.sockets[0].getsockname()[1]}/dead"
    refused_url = f"http://127.0.0.1:{free_port()}/refused"
    headers = login_headers(base, "admin", "floorsync-admin")
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as http:
            healthy = [await _subscribe(http, f"http://127.0.0.1:{good.port}/s{n}") for n in range(args.subscriptions)]
            dead = [
                await _subscribe(http, silent_url if n % 2 == 0 else refused_url, timeout_s=2.0)
                for n in range(args.dead)
            ]
            await _set_active(http, dead, False)
            await _commands(http, 50, args.concurrency)  # warm-up
            await _caught_up(http, healthy, await _head(http))
            phases: dict[str, list[float]] = {"healthy": [], "dead": []}
            rates: list[float] = []
            delays: list[float] = []
            for _ in range(args.rounds):
                for phase in ("healthy", "dead"):
                    await _set_active(http, dead, phase == "dead")
                    start_head, before = await _head(http), len(good.got)
                    started = time.time()
                    phases[phase] += await _commands(http, args.commands, args.concurrency)
                    await _caught_up(http, healthy, await _head(http))
                    batch = good.got[before:]
                    events = [g for g in batch if g[1] > start_head]
                    rates.append(len(events) / max(1e-9, max(g[2] for g in events) - started))
                    delays += [g[2] - g[3] for g in events]
            await _set_active(http, dead, False)
        ceiling = await _post_ceiling(f"http://127.0.0.1:{good.port}/ceiling", senders=args.subscriptions)
    finally:
        await good.stop()
        silent.close()
    p99_healthy = percentile(phases["healthy"], 99) * 1000
    p99_dead = percentile(phases["dead"], 99) * 1000
    rate = sorted(rates)[len(rates) // 2]
    return {
        "subscriptions": args.subscriptions,
        "dead_receivers": args.dead,
        "commands_per_phase": args.commands,
        "rounds": args.rounds,
        "delivered_events_per_s": round(rate, 1),
        "post_ceiling_per_s": round(ceiling, 1),
        "delivered_to_ceiling_ratio": round(rate / ceiling, 3) if ceiling else None,
        "command_p50_ms_healthy": round(percentile(phases["healthy"], 50) * 1000, 1),
        "command_p99_ms_healthy": round(p99_healthy, 1),
        "command_p50_ms_dead": round(percentile(phases["dead"], 50) * 1000, 1),
        "command_p99_ms_dead": round(p99_dead, 1),
        "command_p99_dead_to_healthy": round(p99_dead / p99_healthy, 3) if p99_healthy else None,
        "delivery_p50_ms_from_commit": round(percentile(delays, 50) * 1000, 1),
        "delivery_p99_ms_from_commit": round(percentile(delays, 99) * 1000, 1),
        "deliveries": len(good.got),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found, server(found) as srv:
        return uvloop.run(_run(srv.url, args))
