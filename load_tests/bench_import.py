"""Big imports: 100,000 items then 1,000,000 opening-stock lines, streamed to a real server; wall time,
the server's peak RSS while they run, progress readable meanwhile, beside a COPY ceiling.

The files are generated here (CSV on disk, uploaded in 1 MB pieces). The ceiling is PostgreSQL alone
taking the same opening-stock rows by COPY into an unlogged table: what no import can beat.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from domain.items import is_valid_gtin
from load_tests.harness import asyncpg_dsn, backends, login_headers, server

CHUNK = 1 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--stock-lines", type=int, default=1_000_000)


def _gtin(n: int) -> str:
    body = f"58{n:010d}"
    return next(body + d for d in "0123456789" if is_valid_gtin(body + d))


def _write_files(folder: Path, *, items: int, locations: int, lines: int) -> dict[str, Path]:
    files = {
        "items": folder / "items.csv",
        "locations": folder / "locations.csv",
        "opening_stock": folder / "stock.csv",
    }
    with files["items"].open("w") as f:
        f.write("sku,description,units,item_class,standard_cost,abc_class\n")
        for k in range(items):
            f.write(f"B-{k:06d},Bench item {k},EA:1:{_gtin(k)}|CS:12:,ambient,{k % 900 + 50},{'ABC'[k % 3]}\n")
    with files["locations"].open("w") as f:
        f.write("code,warehouse,zone,kind,aisle,pick_sequence\n")
        for k in range(locations):
            f.write(f"WH1-B{k:05d},WH1,B,storage,B{k // 100:03d},{k}\n")
    per_location = max(1, lines // locations)
    with files["opening_stock"].open("w") as f:
        f.write("location,sku,qty\n")
        for k in range(lines):
            # every (location, item) pair once: location k % locations, item from k's other digits
            item = (k // locations) * per_location + k % per_location
            f.write(f"WH1-B{k % locations:05d},B-{item % items:06d},{k % 50 + 1}\n")
    return files


async def _upload(base: str, headers: dict[str, str], kind: str, path: Path, sampler: _Sampler) -> dict[str, Any]:
    async def chunks() -> AsyncIterator[bytes]:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    progress: list[int] = []
    samples: list[tuple[float, int]] = []
    size = path.stat().st_size  # noqa: ASYNC240 - one stat before the upload
    done = asyncio.Event()

    async def watch() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while not done.is_set():
                runs = (await http.get("/api/imports?limit=1", headers=headers)).json()
                if runs and runs[0]["kind"] == kind and runs[0]["status"] == "running":
                    progress.append(runs[0]["rows_read"])
                    samples.append((time.monotonic() - started, runs[0]["rows_read"]))
                await asyncio.sleep(0.5)  # a sampling period, not a wait for a condition

    sampler.reset()
    started = time.monotonic()
    watcher = asyncio.create_task(watch())
    async with httpx.AsyncClient(base_url=base, timeout=3600) as http:
        response = await http.post(
            f"/api/imports/{kind}", headers=headers | {"Content-Type": "text/csv"}, content=chunks()
        )
    elapsed = time.monotonic() - started
    done.set()
    await watcher
    if response.status_code != 200:
        raise RuntimeError(f"{kind} import failed: {response.text[:2000]}")
    report = response.json()
    # the first sample showing every row read: streaming and validating took that long, the rest is
    # the set-based checks and apply in PostgreSQL (within the 0.5 s sampling period)
    read_s = next((t for t, read in samples if read == report["rows_read"]), None)
    return {
        "rows": report["rows_read"],
        "created": report["created"],
        "seconds": round(elapsed, 2),
        "rows_per_s": round(report["rows_read"] / elapsed),
        "streamed_and_validated_s": None if read_s is None else round(read_s, 1),
        "server_peak_rss_mb": round(sampler.peak_mb, 1),
        "file_mb": round(size / 2**20, 1),
        "progress_samples": len(progress),
        "progress_rows_read_seen": sorted(set(progress))[:: max(1, len(set(progress)) // 8)],
    }


class _Sampler:
    """The server's RSS every 100 ms, in a thread of its own (the event loop may be busy uploading)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def reset(self) -> None:
        self.peak = self.process.memory_info().rss

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


async def _copy_ceiling(dsn: str, path: Path) -> float:
    """Seconds PostgreSQL alone takes to COPY the opening-stock file into an unlogged table."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE UNLOGGED TABLE bench_copy (location text, sku text, qty bigint)")
        started = time.monotonic()
        with path.open("rb") as f:
            await conn.copy_to_table("bench_copy", source=f, format="csv", header=True)
        return time.monotonic() - started
    finally:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.close()


async def _imports(base: str, headers: dict[str, str], files: dict[str, Path], sampler: _Sampler) -> dict[str, Any]:
    return {kind: await _upload(base, headers, kind, files[kind], sampler) for kind in files}


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found, tempfile.TemporaryDirectory(prefix="fs-import-") as folder:
        files = _write_files(Path(folder), items=args.items, locations=args.locations, lines=args.stock_lines)
        with server(found) as srv:
            headers = login_headers(srv.url, "admin", "floorsync-admin")
            sampler = _Sampler(srv.process.pid)
            idle_mb = round(srv.rss_mb, 1)
            try:
                results = asyncio.run(_imports(srv.url, headers, files, sampler))
            finally:
                sampler.stop.set()
            ceiling = asyncio.run(_copy_ceiling(asyncpg_dsn(found), files["opening_stock"]))
        stock = results["opening_stock"]
        return {
            "scenario": "import",
            "server_idle_rss_mb": idle_mb,
            **results,
            "ceiling": {"what": "COPY of the opening-stock file into an unlogged table", "seconds": round(ceiling, 2)},
            "opening_stock_vs_ceiling": round(stock["seconds"] / ceiling, 1),
        }
