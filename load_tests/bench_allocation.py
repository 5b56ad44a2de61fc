"""Allocated order lines per second through the HTTP API, with 1 and with 8 concurrent allocators.

Each order has ``--lines`` lines over a wide catalogue (distinct random items). A last phase has 8
allocators race with orders that all want one unit of a scarce item; ``oversold`` counts units
allocated beyond what was on hand (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import random
import time
import uuid
from typing import Any

import asyncpg
import httpx
import msgspec
import psutil
from sqlalchemy.engine import make_url

from load_tests.harness import Backends, backends, login_headers, server_processes, servers
from load_tests.profiling import Profile
from load_tests.raw_http import RawHttp

SCARCE = "SKU-10500"
SCARCE_UNITS = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lines", type=int, default=20, help="lines per order")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each phase")
    parser.add_argument("--items", type=int, default=400, help="items the orders draw from")
    parser.add_argument("--profile", action="store_true", help="py-spy the server in the 8-allocator phase")
    parser.add_argument("--instances", type=int, default=1, help="server processes (allocators spread over them)")


async def _arrange(found: Backends, base: str, items: int) -> None:
    """Stock for the catalogue (through the API) and customers that will not hit a credit hold."""
    sup = login_headers(base, "super1", "floorsync-super")
    async with httpx.AsyncClient(base_url=base, headers=sup, timeout=30) as http:
        for n in range(1, items + 1):
            body = {
                "location": f"WH1-R0{1 + n % 6}-{1 + n % 10:02d}-{2 + n % 3}",
                "sku": f"SKU-{10000 + n}",
                "delta": 1_000_000,
                "reason": "adjust.found",
                "lot": "BENCH" if n % 7 == 0 else "",
            }
            await _adjust(http, body, n)
        await _adjust(
            http,
            {
                "location": "WH1-R06-10-4",
                "sku": SCARCE,
                "delta": SCARCE_UNITS,
                "reason": "adjust.found",
                "lot": "BENCH" if 500 % 7 == 0 else "",
            },
            500,
        )
    dsn = make_url(found.database_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:  # arranging, not measuring: the demo customers' credit limits are far below a benchmark's volume
        await conn.execute("UPDATE customers SET credit_limit_minor = 1000000000000")
        await conn.execute("UPDATE items SET shelf_life_days = 3650 WHERE lot_tracked")
        await conn.execute("ANALYZE")  # as autovacuum would have by now on a database that has been running
    finally:
        await conn.close()


async def _adjust(http: httpx.AsyncClient, body: dict[str, Any], n: int) -> None:
    lot_tracked = body["lot"] != ""
    response = await http.post("/api/warehouses/WH1/stock/adjustments", json=body)
    if response.status_code == 422 and response.json()["code"] in ("stock.lot_required", "stock.lot_not_tracked"):
        body = body | {"lot": "" if lot_tracked else "BENCH", "expires_on": "2036-01-01"}
        response = await http.post("/api/warehouses/WH1/stock/adjustments", json=body)
    response.raise_for_status()


async def _phase(
    bases: list[str], *, allocators: int, seconds: float, lines: int, items: int, seed: int, scarce: bool = False
) -> dict[str, Any]:
    rep = login_headers(bases[0], "rep1", "floorsync-rep")
    deadline = time.perf_counter() + seconds
    counts = {"orders": 0, "lines": 0, "allocated_lines": 0, "errors": 0}

    async def allocator(n: int) -> None:
        rng = random.Random(seed * 100 + n)
        http = RawHttp(bases[n % len(bases)], rep)  # httpx would spend the CPU the server needs on its own parsing
        try:
            while time.perf_counter() < deadline:
                skus = rng.sample(range(1, items + 1), lines)
                body = {
                    "customer": f"CUST-{rng.randint(1, 40):03d}",
                    "warehouse": "WH1",
                    "lines": [{"sku": f"SKU-{10000 + s}", "qty": rng.randint(1, 5)} for s in skus]
                    + ([{"sku": SCARCE, "qty": 1}] if scarce else []),
                }
                status, raw = await http.post("/api/orders", body, extra={"Idempotency-Key": str(uuid.uuid4())})
                if status != 201:
                    counts["errors"] += 1
                    continue
                order = msgspec.json.decode(raw)
                counts["orders"] += 1
                counts["lines"] += len(order["lines"])
                counts["allocated_lines"] += sum(1 for line in order["lines"] if line["allocated"] == line["qty"])
        finally:
            await http.close()

    started = time.perf_counter()
    await asyncio.gather(*(allocator(n) for n in range(allocators)))
    elapsed = time.perf_counter() - started
    return counts | {"seconds": round(elapsed, 2), "lines_per_s": round(counts["allocated_lines"] / elapsed, 1)}


async def _oversold(found: Backends) -> int:
    dsn = make_url(found.database_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT coalesce(sum(greatest(a.qty - b.on_hand, 0)), 0) FROM stock_balances b"
                " JOIN (SELECT balance_id, sum(qty) AS qty FROM allocations GROUP BY balance_id) a"
                " ON a.balance_id = b.id"
            )
            + await conn.fetchval("SELECT count(*) FROM stock_balances WHERE allocated > on_hand")
        )
    finally:
        await conn.close()


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """User plus system CPU seconds of each process still running."""
    seconds = {}
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            seconds[process.pid] = sum(process.cpu_times()[:2])
    return seconds


def _postgres() -> list[psutil.Process]:
    """PostgreSQL's processes: its backends come and go with the server's connections."""
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres", "postgresql")]


def _measured(srv_pids: list[int], phase: Any, *, profile: bool = False) -> dict[str, Any]:
    """Run a phase, adding the CPU the server processes, PostgreSQL and this client spent per allocated line."""
    groups = {
        "server": lambda: [process for pid in srv_pids for process in server_processes(pid)],
        "postgres": _postgres,
        "client": lambda: [psutil.Process()],
    }
    before = {name: _cpu_seconds(find()) for name, find in groups.items()}
    spy = Profile(srv_pids[0], phase.keywords["seconds"]) if profile else None
    result: dict[str, Any] = asyncio.run(phase())
    lines = max(result["allocated_lines"], 1)
    for name, find in groups.items():
        spent = sum(cpu - before[name].get(pid, 0.0) for pid, cpu in _cpu_seconds(find()).items())
        result[f"{name}_cpu_ms_per_line"] = round(spent * 1000 / lines, 3)
    if spy is not None:
        result["profile"] = spy.summary()
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    common = {"lines": args.lines, "items": args.items}
    with backends() as found, servers(found, args.instances) as started:
        bases = [srv.url for srv in started]
        asyncio.run(_arrange(found, bases[0], args.items))
        pids = [srv.process.pid for srv in started]
        one = _measured(pids, functools.partial(_phase, bases, allocators=1, seconds=args.seconds, seed=1, **common))
        eight = _measured(
            pids,
            functools.partial(_phase, bases, allocators=8, seconds=args.seconds, seed=8, **common),
            profile=args.profile,
        )
        # the race: 8 allocators, one-unit orders of an item with far less stock than demand
        race = asyncio.run(
            _phase(bases, allocators=8, seconds=args.seconds / 2, lines=1, items=args.items, seed=9, scarce=True)
        )
        oversold = asyncio.run(_oversold(found))
    cpu = {f"{k}_{n}": phase[k] for n, phase in (("1", one), ("8", eight)) for k in phase if k.endswith("_per_line")}
    return {
        "scenario": "allocation",
        "lines_per_order": args.lines,
        "allocation_lines_per_s_1": one["lines_per_s"],
        "allocation_lines_per_s_8": eight["lines_per_s"],
        "orders_1": one["orders"],
        "orders_8": eight["orders"],
        "errors": one["errors"] + eight["errors"] + race["errors"],
        "race_orders": race["orders"],
        "race_allocated_units": min(race["allocated_lines"], SCARCE_UNITS),
        "race_units_on_hand": SCARCE_UNITS,
        "oversold": oversold,
        "server_processes": args.instances,
        **cpu,
        **({"profile": eight["profile"]} if args.profile else {}),
    }
