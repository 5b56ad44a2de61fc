"""The PostgreSQL ceiling for pick scanning: the SQL a guided scan step sends, replayed by pgbench.

1. A server started with FLOORSYNC_SQL_TRACE records every committed transaction while one picker
   scans ``tasks`` whole tasks (location, item, quantity, tote): one transaction per step.
2. Each step's transaction becomes a pgbench script, parameters inlined; the Idempotency-Key becomes
   a fresh value per run (the same key twice would take the replay path instead). Everything else a
   step writes is stored as absolute values (task state, balances, allocations) or appended (movements,
   outbox rows), so a script can run again and again on the same rows.
3. ``pgbench`` runs all scripts, picked at random, from ``clients`` connections: its transactions per
   second are the steps per second PostgreSQL alone could sustain on this machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from load_tests.harness import Backends, asyncpg_dsn, server
from load_tests.open_loop import Picker
from load_tests.pick_floor import PICKER_PASSWORD, create_pickers, login_all
from load_tests.raw_http import RawHttp

PGBENCH = "/usr/bin/pgbench"
MAX_SCRIPTS = 128  # pgbench's limit on -f files


async def _scan_tasks(base: str, gtin_of: dict[str, str], tasks: int, key_prefix: str) -> int:
    [name] = await create_pickers(base, 1, prefix="tracer")
    [headers] = await login_all(base, [name], PICKER_PASSWORD)
    # the Idempotency-Keys start with key_prefix, so the step transactions can be found in the trace
    picker = Picker(name, RawHttp(base, headers), gtin_of, key_prefix=key_prefix)
    steps = 0
    try:  # bounded: a step that keeps failing must not trace forever
        while picker.tasks_done < tasks and not picker.errors and steps < 8 * tasks and await picker.step():
            steps += 1
    finally:
        await picker.http.close()
    if picker.errors:
        raise RuntimeError(f"tracing steps failed: {picker.errors[:3]}")
    return steps


def trace_scan_steps(found: Backends, gtin_of: dict[str, str], *, tasks: int) -> list[list[str]]:
    """The SQL of each scan step of ``tasks`` tasks, as the server sent it (one list per transaction)."""
    prefix = "trace" + secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="fs-trace-") as folder:
        path = Path(folder) / "trace.jsonl"
        with server(found, command="serve", sql_trace=path) as traced:
            asyncio.run(_scan_tasks(traced.url, gtin_of, tasks, prefix))
        transactions = [json.loads(line) for line in path.read_text().splitlines()]
    key = re.compile(rf"'{prefix}-\d+'")
    scripts = []
    for statements in transactions:
        # a scan step's transaction is the one that stores its Idempotency-Key
        if not any(s.startswith("INSERT INTO idempotency_keys") and key.search(s) for s in statements):
            continue
        scripts.append([key.sub("('pgb-' || :k)", s) for s in statements])
    return scripts


def _write_scripts(folder: Path, transactions: list[list[str]], *, end: str) -> list[Path]:
    files = []
    for n, statements in enumerate(transactions[:MAX_SCRIPTS]):
        path = folder / f"step{n:03d}.sql"
        body = "\n".join(s.rstrip().rstrip(";") + ";" for s in statements)
        path.write_text(f"\\set k random(1, 9000000000000000000)\nBEGIN;\n{body}\n{end};\n")
        files.append(path)
    return files


def run_pgbench(
    found: Backends, transactions: list[list[str]], *, clients: int, seconds: int, commit: bool = True
) -> dict[str, Any]:
    """pgbench over the traced step transactions; its tps is PostgreSQL's ceiling in steps per second.

    Replaying absolute writes puts the traced rows back as they were then, which is harmless on a
    benchmark's own database but not on one that later scenarios use: there (``commit=False``) each
    transaction rolls back, which leaves out the commit's WAL flush and so flatters the ceiling.
    """
    with tempfile.TemporaryDirectory(prefix="fs-pgbench-") as folder:
        files = _write_scripts(Path(folder), transactions, end="COMMIT" if commit else "ROLLBACK")
        command = [PGBENCH, "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds)]
        for path in files:
            command += ["-f", f"{path}@1"]
        done = subprocess.run([*command, asyncpg_dsn(found)], capture_output=True, text=True, check=False)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return {
        "pgbench_tps": round(float(tps.group(1)), 1) if tps else 0.0,
        "pgbench_latency_avg_ms": float(latency.group(1)) if latency else None,
        "pgbench_clients": clients,
        "pgbench_seconds": seconds,
        "pgbench_scripts": len(files),
        "pgbench_statements_per_step": round(sum(len(t) for t in transactions) / max(len(transactions), 1), 1),
        "pgbench_ends_with": "COMMIT" if commit else "ROLLBACK",
        "pgbench_failed": int(failed.group(1)) if failed else None,
        "pgbench_exit": done.returncode,
        "pgbench_stderr": done.stderr.strip().splitlines()[-3:] if done.returncode else [],
    }
