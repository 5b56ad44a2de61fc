"""Picking at fixed arrival rates, open loop: whole pick lines confirmed in one request each (lines per
second, confirm p50/p99, SQL statements per line) against PostgreSQL's own pick-confirm ceiling measured
in the same run, and the guided single-scan path (steps per second) against a pgbench replay of its SQL.

    python -m load_tests.bench scan --json
    python -m load_tests.bench scan --rates 100,200,400 --instances 2 --profile --json

Arranged through the API: stock for ``--items`` items, orders of ``--lines`` lines (allocated at
once), every order released in waves, one trip (``--orders-per-trip`` orders) claimed per picker;
a picker claims its next trip when one is done. Trips are small because a claim only considers the
first 500 open or claimed tasks of the warehouse, so pickers holding more than that between them
leave the others without work. Then each
phase drives ``--pickers`` pickers' scan steps (location, item with lot, quantity, tote; the tote
scan confirms the pick) at the phase's rate (see load_tests/open_loop.py); then each line phase
drives whole lines (``POST .../confirm``, checked against the task's manifest, the answer carrying
the next task) at ``--line-rates``. Finally one traced server records the SQL of a few tasks' steps
and pgbench replays it (load_tests/pgbench_ceiling.py), another counts the statements of confirmed
lines, and the shared pick-confirm ceiling runs on the same PostgreSQL (load_tests/line_picking.py).
"""

from __future__ import annotations

import argparse
import asyncio
import math
from typing import Any

from load_tests import line_picking, pgbench_ceiling, pick_floor
from load_tests.harness import Backends, Server, backends, is_shared, servers
from load_tests.line_picking import confirm_line
from load_tests.open_loop import Picker, run_phase
from load_tests.profiling import Profile
from load_tests.raw_http import RawHttp

TARGET_STEPS_PER_S = 2000
TARGET_P99_MS = 50
TARGET_RATIO = 0.25  # pick lines per second / PostgreSQL's pick-confirm ceiling, at confirm p99 <= TARGET_P99_MS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rates", default="50,100,200,2000", help="arrival rates (steps/s), one phase each")
    parser.add_argument("--line-rates", default="50,100,200,400", help="arrival rates (lines/s), one phase each")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--pickers", type=int, default=64, help="concurrent pickers (one connection each)")
    parser.add_argument("--instances", type=int, default=1, help="server processes (pickers spread over them)")
    parser.add_argument("--lines", type=int, default=6, help="lines per order")
    parser.add_argument("--orders-per-trip", type=int, default=1, help="orders clustered into one picker's trip")
    parser.add_argument("--items", type=int, default=400, help="items the orders draw from")
    parser.add_argument("--trace-tasks", type=int, default=24, help="tasks whose SQL pgbench replays")
    parser.add_argument("--trace-lines", type=int, default=24, help="confirmed lines whose statements are counted")
    parser.add_argument("--pgbench-clients", type=int, default=16)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="py-spy the first server during the last line phase")


def _rates(text: str) -> list[float]:
    return [float(r) for r in text.split(",") if r.strip()]


async def _arrange(found: Backends, base: str, args: argparse.Namespace) -> dict[str, Any]:
    needed = sum(rate * args.seconds / 4 for rate in _rates(args.rates))  # a task takes 4 steps
    needed += sum(rate * args.seconds for rate in _rates(args.line_rates))
    spare = args.trace_tasks + args.trace_lines
    orders = math.ceil((needed * 1.2 + spare) / args.lines) + args.pickers * args.orders_per_trip
    await pick_floor.stock_and_credit(found, base, args.items)
    numbers = await pick_floor.place_orders(base, orders=orders, lines=args.lines, items=args.items, seed=11)
    tasks = await pick_floor.release(base, numbers, orders_per_cluster=args.orders_per_trip)
    return {"orders": orders, "order_lines": orders * args.lines, "pick_tasks": tasks}


async def _measure(found: Backends, started: list[Server], args: argparse.Namespace) -> dict[str, Any]:
    arranged = await _arrange(found, started[0].url, args)
    gtin_of = await pick_floor.gtins(found)
    names = await pick_floor.create_pickers(started[0].url, args.pickers, prefix="benchpicker")
    headers = await pick_floor.login_all(started[0].url, names)
    pickers = [
        Picker(name, RawHttp(started[n % len(started)].url, h), gtin_of)
        for n, (name, h) in enumerate(zip(names, headers, strict=True))
    ]
    for picker in pickers:
        await picker.claim()
    processes = [process for s in started for process in s.processes]

    async def phase(rate: float, *, lines: bool, profiled: bool) -> dict[str, Any]:
        errors_before = sum(len(p.errors) for p in pickers)
        cpu_before = sum(sum(p.cpu_times()[:2]) for p in processes)
        profile = Profile(started[0].process.pid, args.seconds) if profiled else None
        act = confirm_line if lines else None
        result = await run_phase(pickers, rate=rate, seconds=args.seconds, act=act)
        cpu = sum(sum(p.cpu_times()[:2]) for p in processes) - cpu_before
        figures = result.figures(sum(len(p.errors) for p in pickers) - errors_before)
        if lines:
            figures["lines_per_s"] = figures.pop("steps_per_s")
        figures["server_cpu_ms_per_" + ("line" if lines else "step")] = round(cpu * 1000 / max(result.completed, 1), 2)
        if profile is not None:
            arranged["profile"] = profile.summary()
        return figures

    phases = [await phase(rate, lines=False, profiled=False) for rate in _rates(args.rates)]
    for picker in pickers:  # the trips as the server holds them, each task with its manifest
        await picker.claim()
    line_rates = _rates(args.line_rates)
    line_phases = [
        await phase(rate, lines=True, profiled=args.profile and n == len(line_rates) - 1)
        for n, rate in enumerate(line_rates)
    ]
    for picker in pickers:
        await picker.http.close()
    samples = [e for p in pickers for e in p.errors][:5]
    return {
        "arranged": arranged,
        "phases": phases,
        "line_phases": line_phases,
        "error_samples": samples,
        "gtin_of": gtin_of,
    }


def _headline(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures at the target rate, or at the highest rate measured."""
    at = next((p for p in phases if p["rate"] == TARGET_STEPS_PER_S), phases[-1])
    best = max(phases, key=lambda p: p["steps_per_s"])
    return {
        "scan_rate": at["rate"],
        "scan_steps_per_s": at["steps_per_s"],
        "scan_p50_ms": at["p50_ms"],
        "scan_p99_ms": at["p99_ms"],
        "scan_best_steps_per_s": best["steps_per_s"],
        "scan_target_met": at["steps_per_s"] >= 0.98 * TARGET_STEPS_PER_S and at["p99_ms"] <= TARGET_P99_MS,
    }


def _line_headline(phases: list[dict[str, Any]], ceiling_tps: float | None) -> dict[str, Any]:
    """Lines per second of the fastest line phase within the p99 target (else the fastest), and its ratio."""
    within = [p for p in phases if p["p99_ms"] <= TARGET_P99_MS and not p["errors"]]
    at = max(within or phases, key=lambda p: p["lines_per_s"])
    ratio = round(at["lines_per_s"] / ceiling_tps, 3) if ceiling_tps else None
    return {
        "pick_lines_per_s": at["lines_per_s"],
        "confirm_p50_ms": at["p50_ms"],
        "confirm_p99_ms": at["p99_ms"],
        "line_rate": at["rate"],
        "ceiling_tps": ceiling_tps,
        "ratio": ratio,
        "line_target_met": bool(ratio is not None and ratio >= TARGET_RATIO and at["p99_ms"] <= TARGET_P99_MS),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found:
        with servers(found, args.instances) as started:
            measured = asyncio.run(_measure(found, started, args))
        gtin_of = measured.pop("gtin_of")
        steps = pgbench_ceiling.trace_scan_steps(found, gtin_of, tasks=args.trace_tasks)
        ceiling = pgbench_ceiling.run_pgbench(
            found, steps, clients=args.pgbench_clients, seconds=args.pgbench_seconds, commit=not is_shared()
        )
        statements = line_picking.statements_per_line(found, lines=args.trace_lines)
        confirm_ceiling = line_picking.ceiling(found)
    phases = measured["phases"]
    headline = _headline(phases)
    return {
        "scenario": "scan",
        **_line_headline(measured["line_phases"], confirm_ceiling.pop("ceiling_tps")),
        **statements,
        **confirm_ceiling,
        "line_phases": measured["line_phases"],
        "line_target": f"ratio >= {TARGET_RATIO} at confirm p99 <= {TARGET_P99_MS} ms, <= 10 statements per line",
        **headline,
        **ceiling,
        "scan_to_pgbench_ratio": round(headline["scan_best_steps_per_s"] / ceiling["pgbench_tps"], 3)
        if ceiling["pgbench_tps"]
        else None,
        "phases": phases,
        "pickers": args.pickers,
        "server_processes": args.instances,
        "errors": sum(p["errors"] for p in phases + measured["line_phases"]),
        "error_samples": measured["error_samples"],
        **{k: v for k, v in measured["arranged"].items()},
        "target": f">= {TARGET_STEPS_PER_S} steps/s at p99 <= {TARGET_P99_MS} ms",
    }
