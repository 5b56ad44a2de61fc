"""ATP latency through the HTTP API: p50/p99 of one item's time-phased ATP, then the same after a
million movements of history have been written (ATP reads balances, so it should not change)."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from load_tests.bench_allocation import _arrange
from load_tests.harness import Backends, backends, login_headers, percentile, server
from load_tests.raw_http import RawHttp


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=3000, help="ATP reads per measurement")
    parser.add_argument("--history", type=int, default=1_000_000, help="movements written before the 2nd run")


async def _measure(base: str, requests: int) -> dict[str, float]:
    rep = login_headers(base, "rep1", "floorsync-rep")
    rng = random.Random(7)
    latencies = []
    http = RawHttp(base, rep)  # httpx would add about a millisecond of client CPU to every figure
    try:
        for _ in range(50):  # warm connections and caches
            await http.get(f"/api/warehouses/WH1/atp/SKU-{10000 + rng.randint(1, 400)}")
        for _ in range(requests):
            sku = f"SKU-{10000 + rng.randint(1, 400)}"
            started = time.perf_counter()
            status, body = await http.get(f"/api/warehouses/WH1/atp/{sku}")
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"ATP answered {status}: {body[:300]!r}")
    finally:
        await http.close()
    return {"p50": round(percentile(latencies, 50), 2), "p99": round(percentile(latencies, 99), 2)}


async def _write_history(found: Backends, movements: int) -> int:
    """Append pairs of movements that cancel out, so balances still equal the sum of their movements."""
    dsn = make_url(found.database_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO stock_movements (balance_id, delta_on_hand, delta_allocated, reason, source_document)"
            " SELECT b.id, CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END, 0, 'adjust.correction', 'history'"
            " FROM generate_series(1, $1) AS g"
            " JOIN LATERAL (SELECT id FROM stock_balances ORDER BY id OFFSET (g / 2) % 400 LIMIT 1) b ON true",
            movements,
        )
        await conn.execute("ANALYZE stock_movements")
        return int(await conn.fetchval("SELECT count(*) FROM stock_movements"))
    finally:
        await conn.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found, server(found) as srv:
        asyncio.run(_arrange(found, srv.url, 400))
        fresh = asyncio.run(_measure(srv.url, args.requests))
        history = asyncio.run(_write_history(found, args.history))
        aged = asyncio.run(_measure(srv.url, args.requests))
    return {
        "scenario": "atp",
        "requests": args.requests,
        "atp_p50_ms": fresh["p50"],
        "atp_p99_ms": fresh["p99"],
        "movements_in_history": history,
        "atp_p50_ms_1m_history": aged["p50"],
        "atp_p99_ms_1m_history": aged["p99"],
        "measured_over": "HTTP keep-alive, one minimal client, real server process",
    }
