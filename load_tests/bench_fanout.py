"""Commit-to-delivery latency over real WebSockets: N clients follow a warehouse board while commands
commit E events at R per second through the normal HTTP command path.

    python -m load_tests.bench fanout --clients 1000 --rate 200 --events 2000 --json

Latency is measured per delivered event from the event's ``occurred_at`` (its transaction's start in
PostgreSQL, same clock) to its arrival at the client, so it includes the command's own transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import secrets
import time
from typing import Any

import httpx
import uvloop

from load_tests.harness import backends, login_headers, percentile, servers
from load_tests.raw_http import RawHttp
from load_tests.ws_clients import Client, connect_all, raise_fd_limit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200.0, help="events committed per second")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--drain-s", type=float, default=30.0, help="how long to wait for stragglers")
    parser.add_argument(
        "--warmup", type=int, default=200, help="events committed (at up to 50/s) and delivered before measuring"
    )
    parser.add_argument(
        "--instances", type=int, default=1, help="server processes (clients spread over them; commands go to the first)"
    )


def _producer(base: str, headers: dict[str, str], events: int, rate: float, answer: Any) -> None:
    """In its own process, so thousands of sockets in this one do not slow the commands down."""
    answer.put(asyncio.run(_produce(base, headers, events, rate)))


async def _produce(base: str, headers: dict[str, str], events: int, rate: float) -> float:
    """Commit ``events`` location.create commands at ``rate`` per second; returns the achieved rate."""
    prefix = "B" + secrets.token_hex(3).upper()
    pool: asyncio.LifoQueue[RawHttp] = asyncio.LifoQueue()  # reuse the warmest connections
    for _ in range(32):
        pool.put_nowait(RawHttp(base, headers))
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def one(n: int) -> None:
        http = await pool.get()
        try:
            status, _ = await http.post(
                "/api/warehouses/WH1/locations",
                {"code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"},
                extra={"Idempotency-Key": f"{prefix}-{n}"},
            )
            if status >= 400:
                raise RuntimeError(f"command failed with {status}")
        finally:
            pool.put_nowait(http)

    tasks = []
    for n in range(events):
        delay = started + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    achieved = events / max(loop.time() - started, 1e-9)
    while not pool.empty():
        await pool.get_nowait().close()
    return achieved


async def _produce_elsewhere(base: str, headers: dict[str, str], events: int, rate: float) -> float:
    """Commit the events from a producer process; returns the rate it achieved."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    producer = context.Process(target=_producer, args=(base, headers, events, rate, answer))
    producer.start()
    while producer.is_alive() and answer.empty():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    if answer.empty():
        raise RuntimeError("the producer process failed (see its traceback above)")
    achieved: float = answer.get()
    await asyncio.to_thread(producer.join)  # its exit takes a while: never block the clients meanwhile
    return achieved


async def _delivered(clients: list[Client], events: int, drain_s: float) -> None:
    """Wait until every client has the events, or ``drain_s`` has passed (the rest count as lost)."""
    deadline = time.monotonic() + drain_s
    while time.monotonic() < deadline and any(len(c.seqs) < events for c in clients):  # noqa: ASYNC110
        await asyncio.sleep(0.05)


async def _run(bases: list[str], args: argparse.Namespace, rss: Any) -> dict[str, Any]:
    base = bases[0]
    ws_bases = [url.replace("http", "ws", 1) for url in bases]
    headers = login_headers(base, "super1", "floorsync-super")
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as http:
        position = (await http.get("/api/realtime/warehouses/WH1/position")).json()
        rss_before = rss()
        clients = [Client(ws_bases[n % len(ws_bases)], "board:WH1") for n in range(args.clients)]
        connect_started = time.perf_counter()
        await connect_all(clients, base, headers, position)
        connect_s = time.perf_counter() - connect_started
        await asyncio.sleep(2)  # let the server settle before reading its idle footprint
        rss_idle = rss()
        warmup_lost = 0
        if args.warmup:
            # a server that has just started compiles statements and fills caches on its first commands:
            # measure the steady state (a few events first, delivered to every client, then forgotten)
            await _produce_elsewhere(base, headers, args.warmup, min(args.rate, 50.0))
            await _delivered(clients, args.warmup, args.drain_s)
            warmup_lost = sum(max(0, args.warmup - len(c.seqs)) for c in clients)
            for client in clients:
                client.forget()
        before = (await http.get("/metrics")).text
        achieved = await _produce_elsewhere(base, headers, args.events, args.rate)
        await _delivered(clients, args.events, args.drain_s)
        rss_end = rss()
        exposed = (await http.get("/metrics")).text
        server_side = _histogram_quantiles(exposed, before, "floorsync_ws_fanout_delay_seconds")
        published = _histogram_quantiles(exposed, before, "floorsync_relay_publish_delay_seconds")
    delivered = sum(len(c.seqs) for c in clients)
    latencies = [value for c in clients for value in c.latencies_ms]
    for client in clients:
        await client.stop()
    return {
        "clients": args.clients,
        "events": args.events,
        "rate": args.rate,
        "achieved_rate": round(achieved, 1),
        "delivered": delivered,
        "lost": args.clients * args.events - delivered + warmup_lost,
        "duplicates": sum(c.duplicates for c in clients),
        "resets": sum(c.resets for c in clients),
        "lat_p50_ms": round(percentile(latencies, 50), 1),
        "lat_p99_ms": round(percentile(latencies, 99), 1),
        "lat_max_ms": round(max(latencies, default=0.0), 1),
        "server_publish_p50_ms": published[0],
        "server_publish_p99_ms": published[1],
        "server_fanout_p50_ms": server_side[0],
        "server_fanout_p99_ms": server_side[1],
        "connect_all_s": round(connect_s, 2),
        "server_rss_mb": round(rss_end, 1),
        "server_rss_idle_mb": round(rss_idle, 1),
        "rss_per_conn_kb": round((rss_idle - rss_before) * 1024 / max(args.clients, 1), 1),
    }


def _buckets(text: str, name: str) -> list[tuple[float, float]]:
    """A Prometheus histogram's cumulative buckets: (upper bound in s, count)."""
    buckets = []
    for line in text.splitlines():
        if line.startswith(f"{name}_bucket"):
            bound = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if bound == "+Inf" else float(bound), float(line.rsplit(" ", 1)[1])))
    return buckets


def _histogram_quantiles(text: str, before: str, name: str) -> tuple[float, float]:
    """Upper bounds (ms) of the buckets holding the median and the 99th percentile of what was
    observed between the ``before`` and ``text`` scrapes."""
    earlier = dict(_buckets(before, name))
    buckets = [(bound, count - earlier.get(bound, 0.0)) for bound, count in _buckets(text, name)]
    total = buckets[-1][1] if buckets else 0.0

    def upper(q: float) -> float:
        return next((round(b * 1000, 1) for b, count in buckets if total and count >= q * total), 0.0)

    return upper(0.5), upper(0.99)


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    with backends() as found, servers(found, args.instances) as started:
        result = uvloop.run(  # the clients, not the server, on uvloop
            _run([srv.url for srv in started], args, lambda: sum(srv.rss_mb for srv in started))
        )
    return result | {"server_processes": args.instances}
