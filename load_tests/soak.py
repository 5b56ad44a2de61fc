"""Soak and smoke: the locust floor (load_tests/locustfile.py) against a real server for a bounded time,
then the inventory and ledger invariants checked by SQL. Fails on any error; asserts nothing about speed.

    python -m load_tests.soak --seconds 1800 --users 40 --json     # the 30-minute soak (not in CI)
    python -m load_tests.soak --seconds 120 --json                 # what CI's smoke test runs
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import asyncpg

from load_tests.harness import REPO, Server, asyncpg_dsn, backends, server

# Every balance equals its movements, 0 <= allocated <= on hand, allocations add up (tests/stock_helpers.py).
INVENTORY = """
SELECT 'balance ' || b.id FROM stock_balances b
  LEFT JOIN (SELECT balance_id, sum(delta_on_hand) AS on_hand, sum(delta_allocated) AS allocated
               FROM stock_movements GROUP BY balance_id) m ON m.balance_id = b.id
  LEFT JOIN (SELECT balance_id, sum(qty) AS qty FROM allocations GROUP BY balance_id) a ON a.balance_id = b.id
 WHERE b.on_hand <> coalesce(m.on_hand, 0) OR b.allocated <> coalesce(m.allocated, 0)
    OR b.allocated > b.on_hand OR b.on_hand < 0 OR b.allocated <> coalesce(a.qty, 0)
"""
UNBALANCED_ENTRIES = """
SELECT 'journal entry ' || entry_id FROM journal_lines GROUP BY entry_id, currency HAVING sum(debit) <> sum(credit)
"""
GL_VERSUS_VALUATION = """
SELECT 'warehouse ' || w.code || ': GL 1300 ' || coalesce(g.value, 0) || ' <> valuations ' || coalesce(v.value, 0)
  FROM warehouses w
  LEFT JOIN (SELECT warehouse, sum(debit - credit) AS value FROM journal_lines WHERE account = '1300'
              GROUP BY warehouse) g ON g.warehouse = w.code
  LEFT JOIN (SELECT warehouse, sum(value) AS value FROM item_valuations GROUP BY warehouse) v ON v.warehouse = w.code
 WHERE coalesce(g.value, 0) <> coalesce(v.value, 0)
"""
VALUATION_QTY_VERSUS_ON_HAND = """
SELECT 'item ' || coalesce(v.item_id, b.item_id) || ' in ' || coalesce(v.warehouse, b.warehouse) || ': valued qty '
       || coalesce(v.qty, 0) || ' <> on hand ' || coalesce(b.on_hand, 0)
  FROM (SELECT warehouse, item_id, sum(qty) AS qty FROM item_valuations GROUP BY warehouse, item_id) v
  FULL JOIN (SELECT warehouse, item_id, sum(on_hand) AS on_hand FROM stock_balances GROUP BY warehouse, item_id) b
    ON b.warehouse = v.warehouse AND b.item_id = v.item_id
 WHERE coalesce(v.qty, 0) <> coalesce(b.on_hand, 0)
"""
CHECKS = {
    "inventory": INVENTORY,
    "journal_entries_balance": UNBALANCED_ENTRIES,
    "gl_inventory_equals_valuations": GL_VERSUS_VALUATION,
    "valued_qty_equals_on_hand": VALUATION_QTY_VERSUS_ON_HAND,
}


async def check_invariants(dsn: str) -> dict[str, list[str]]:
    """Each invariant's violations (empty lists when the books and the stock are whole)."""
    conn = await asyncpg.connect(dsn)
    try:
        return {name: [row[0] for row in await conn.fetch(sql)][:20] for name, sql in CHECKS.items()}
    finally:
        await conn.close()


def run_locust(url: str, *, seconds: int, users: int, spawn_rate: float, seed: int, folder: Path) -> dict[str, Any]:
    """Run the locustfile headless against ``url``; returns the exit code, totals and per-request figures."""
    stats = folder / "locust.json"
    command = [
        sys.executable, "-m", "locust", "-f", str(REPO / "load_tests" / "locustfile.py"), "--headless",
        "--host", url, "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", "20",
        "--only-summary", "--json-file", str(stats.with_suffix("")), "--csv", str(folder / "locust"),
        "--loglevel", "WARNING",
    ]
    env = {**os.environ, "FLOORSYNC_LOAD_SEED": str(seed), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=seconds + 300, check=False
    )
    entries = json.loads(stats.read_text()) if stats.exists() else []
    requests = sum(e["num_requests"] for e in entries)
    failures = sum(e["num_failures"] for e in entries)
    return {
        "exit_code": done.returncode,
        "requests": requests,
        "failures": failures,
        "by_request": {
            f"{e['method']} {e['name']}": {"requests": e["num_requests"], "failures": e["num_failures"]}
            for e in entries
        },
        "failure_samples": _failure_samples(folder / "locust_failures.csv"),
        "output_tail": (done.stdout + done.stderr)[-3000:],
    }


def _failure_samples(path: Path, keep: int = 10) -> list[str]:
    """What failed and why (locust's failures table: method, name, error, occurrences)."""
    if not path.exists():
        return []
    with path.open() as table:
        rows = list(csv.DictReader(table))
    return [f"{r['Occurrences']}x {r['Method']} {r['Name']}: {r['Error'][:300]}" for r in rows[:keep]]


class MemorySampler(threading.Thread):
    """The server's RSS every ``every_s`` while the floor runs: flat after the warm-up, or leaking."""

    def __init__(self, srv: Server, every_s: float = 10.0) -> None:
        super().__init__(daemon=True)
        self.srv, self.every_s = srv, every_s
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            self.samples.append(round(self.srv.rss_mb, 1))

    def figures(self) -> dict[str, Any]:
        """RSS at each quarter of the run and at its end; growth over the second half, after warm-up."""
        self.stopped.set()
        self.join()
        s = self.samples or [0.0]
        quarters = [s[min(len(s) - 1, len(s) * q // 4)] for q in (1, 2, 3)] + [s[-1]]
        return {"server_rss_mb_quarters": quarters, "server_rss_mb_max": max(s),
                "server_rss_growth_second_half_mb": round(s[-1] - quarters[1], 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the floor for ``--seconds`` on a fresh database; exit 1 on any error or broken invariant."""
    parser = argparse.ArgumentParser(prog="python -m load_tests.soak", description=__doc__)
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    with backends() as found, server(found) as srv, tempfile.TemporaryDirectory(prefix="fs-soak-") as folder:
        memory = MemorySampler(srv)
        memory.start()
        run = run_locust(srv.url, seconds=args.seconds, users=args.users, spawn_rate=args.spawn_rate,
                         seed=args.seed, folder=Path(folder))
        run |= memory.figures()
        broken = asyncio.run(check_invariants(asyncpg_dsn(found)))
    ok = run["exit_code"] == 0 and run["failures"] == 0 and not any(broken.values())
    report = {"scenario": "soak", "seconds": args.seconds, "users": args.users, "ok": ok, **run, "invariants": broken}
    if ok:
        report.pop("output_tail")
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
