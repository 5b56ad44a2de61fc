"""Pick lines confirmed in one request each, as a handheld sends them once every scan of the line passed
the task's manifest; the SQL one line costs; and PostgreSQL's ceiling for a lean pick confirm.

The ceiling is ``pick-confirm/run.sh`` of the shared ceilings (``FLOORSYNC_CEILINGS``, by default
``/work/shared/ceilings``): pgbench over the statements a lean confirm needs, on the benchmark's own
PostgreSQL server, in a scratch database of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from load_tests.harness import Backends, asyncpg_dsn, server
from load_tests.open_loop import Picker
from load_tests.pick_floor import PICKER_PASSWORD, create_pickers, login_all
from load_tests.raw_http import RawHttp
from load_tests.scan_steps import line_for

CEILINGS = Path(os.environ.get("FLOORSYNC_CEILINGS", "/work/shared/ceilings"))
_keys = iter(range(1, 1 << 62))


async def confirm_line(picker: Picker) -> bool:
    """Confirm the picker's current line in one request and go on with the next task it answers."""
    if not picker.trip and (picker.out_of_work or not await picker.claim()):
        picker.out_of_work = True
        return False
    task = picker.trip[0]
    status, raw = await picker.http.post(
        f"/api/warehouses/WH1/tasks/{task['id']}/confirm",
        line_for(task),
        extra={"Idempotency-Key": f"{picker.key_prefix or picker.name}-l{next(_keys)}"},
    )
    if status != 200:
        picker.errors.append(f"{status} {raw[:200]!r}")
        await picker.claim()  # resynchronise with what the server holds
        return True
    following = msgspec.json.decode(raw)["next"]
    picker.tasks_done += 1
    picker.trip = [following["task"]] if following else []
    return True


async def _confirm_lines(base: str, lines: int, key_prefix: str) -> None:
    [name] = await create_pickers(base, 1, prefix="linetracer")
    [headers] = await login_all(base, [name], PICKER_PASSWORD)
    picker = Picker(name, RawHttp(base, headers), {}, key_prefix=key_prefix)
    try:
        while picker.tasks_done < lines and not picker.errors and await confirm_line(picker):
            pass
    finally:
        await picker.http.close()
    if picker.errors:
        raise RuntimeError(f"tracing lines failed: {picker.errors[:3]}")


def statements_per_line(found: Backends, *, lines: int) -> dict[str, Any]:
    """Round trips to PostgreSQL per confirmed line, from a traced server's committed transactions:
    every statement of the line's transaction (Idempotency-Key, outbox and all) plus BEGIN and COMMIT."""
    prefix = "line" + secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="fs-trace-") as folder:
        path = Path(folder) / "trace.jsonl"
        with server(found, command="serve", sql_trace=path) as traced:
            asyncio.run(_confirm_lines(traced.url, lines, prefix))
        transactions = [json.loads(row) for row in path.read_text().splitlines()]
    key = re.compile(rf"'{prefix}-l\d+'")
    keyed = [t for t in transactions if any(s.startswith("INSERT INTO idempotency_keys") and key.search(s) for s in t)]
    counts = [len(t) + 2 for t in keyed]
    return {
        "statements_per_line": round(sum(counts) / len(counts), 2) if counts else None,
        "statements_per_line_max": max(counts, default=None),
        "traced_lines": len(counts),
    }


def ceiling(found: Backends) -> dict[str, Any]:
    """PostgreSQL's own pick-confirm rate on the benchmark's server (run.sh's JSON line), or why not."""
    script = CEILINGS / "pick-confirm" / "run.sh"
    if not script.exists():
        return {"ceiling_tps": None, "ceiling_error": f"{script} not found (set FLOORSYNC_CEILINGS)"}
    environment = os.environ | {"CEILING_PGURL": asyncpg_dsn(found)}
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=environment, check=False)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode or not last.startswith("{"):
        return {"ceiling_tps": None, "ceiling_error": (done.stderr or done.stdout).strip()[-300:]}
    measured = json.loads(last)
    return {
        "ceiling_tps": measured["tps"],
        "ceiling_clients": measured.get("clients"),
        "ceiling_latency_avg_ms": measured.get("lat_avg_ms"),
    }
