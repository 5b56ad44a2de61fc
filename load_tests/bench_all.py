"""Every benchmark on one scale dataset, at two sizes of history: one JSON report and a Markdown table.

    python -m load_tests.bench all --json
    python -m load_tests.bench all --instances 2 --history 100000,1000000 --report-dir bench-report --json

Starts ``--instances`` server processes on the configured backends (FLOORSYNC_DATABASE_URL /
FLOORSYNC_REDIS_URL, else the machine's, else embedded), seeds a scale dataset (at least
``--order-lines`` allocated order lines through the API and ``--history`` movements), then runs the
other scenarios against those servers (they share them: see ``harness.shared``), grows the history to
the second size and runs them again. Writes ``report.json`` and ``report.md`` to ``--report-dir``.
The README's figures table is this report's (docs/figures.json, ``python -m load_tests.report``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import asyncpg

from load_tests import harness, pick_floor
from load_tests.harness import Backends, asyncpg_dsn, backends, servers, shared
from load_tests.report import markdown
from load_tests.scenarios import SCENARIOS

# scenario -> option overrides for its runs inside ``all`` (the scenario's own defaults otherwise)
RUNS: list[tuple[str, str, dict[str, Any]]] = [
    ("scan", "scan", {}),
    ("allocation", "allocation", {}),
    ("atp", "atp", {"history": 0}),  # ``all`` grows the history itself
    ("fanout", "fanout_1k", {"clients": 1000, "rate": 200.0, "events": 2000}),
    ("fanout", "fanout_5k", {"clients": 5000, "rate": 100.0, "events": 1000}),
    ("resume", "resume", {"clients": 1000}),
    ("replay", "replay", {}),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instances", type=int, default=1, help="server processes")
    parser.add_argument("--history", default="100000,1000000", help="movements in history at each of the two sizes")
    parser.add_argument("--order-lines", type=int, default=10_000, help="allocated order lines in the dataset")
    parser.add_argument("--only", default="", help="comma-separated run names to keep (default: all)")
    parser.add_argument("--report-dir", default="bench-report", help="where report.json and report.md go")


def _scenario_args(module: Any, overrides: dict[str, Any]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in overrides.items():
        setattr(args, key, value)
    args.json = True
    return args


async def _movements(found: Backends) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(found))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM stock_movements"))
    finally:
        await conn.close()


async def _grow_history(found: Backends, target: int) -> int:
    """Pairs of movements that cancel out (balances still equal their ledger), up to ``target`` in all."""
    from load_tests.bench_atp import _write_history

    missing = target - await _movements(found)
    if missing > 0:
        await _write_history(found, missing + missing % 2)
    return await _movements(found)


async def _seed(found: Backends, base: str, order_lines: int) -> dict[str, int]:
    """The scale dataset's orders: allocated through the API, 20 lines each, left unreleased."""
    await pick_floor.stock_and_credit(found, base, 400)
    numbers = await pick_floor.place_orders(base, orders=-(-order_lines // 20), lines=20, items=400, seed=3)
    return {"order_lines_seeded": 20 * len(numbers)}


def _run_all(names: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for scenario, name, overrides in RUNS:
        if names and name not in names:
            continue
        module = SCENARIOS[scenario]
        started = time.perf_counter()
        try:
            outcome = module.run(_scenario_args(module, overrides))
            if asyncio.iscoroutine(outcome):
                outcome = asyncio.run(outcome)
        except Exception as exc:  # one broken scenario must not lose the others' figures
            outcome = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        outcome["run_s"] = round(time.perf_counter() - started, 1)
        results[name] = outcome
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = [int(s) for s in args.history.split(",")]
    names = {n for n in args.only.split(",") if n}
    report: dict[str, Any] = {
        "scenario": "all", "server_processes": args.instances, "workers_per_server": harness.WORKERS, "sizes": []
    }
    folder = Path(args.report_dir)
    with backends() as found, servers(found, args.instances) as started, shared(found, started):
        report["dataset"] = asyncio.run(_seed(found, started[0].url, args.order_lines))
        for size in sizes:
            movements = asyncio.run(_grow_history(found, size))
            report["sizes"].append({"movements": movements, "results": _run_all(names)})
            _write(report, folder)  # after each size, so a long run that dies keeps what it measured
    report["report_files"] = [str(folder / "report.json"), str(folder / "report.md")]
    return report


def _write(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    (folder / "report.md").write_text(markdown(report))
