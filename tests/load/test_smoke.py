"""The CI smoke run: two minutes of the mixed floor (pickers, receivers, sales reps, supervisors over HTTP
and WebSockets) against a real server. It asserts nothing about speed; it fails on any error, and the
stock and the books must be whole afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from load_tests.soak import CHECKS, check_invariants, run_locust
from server.db import make_engine, make_sessionmaker
from server.settings import Settings
from tests.fresh import fresh_settings
from tests.load.process import serving
from tests.stock_helpers import assert_inventory_invariants

SMOKE_SECONDS = 120


async def run_smoke(seeded: Settings, folder: Path, *, seconds: int = SMOKE_SECONDS) -> None:
    """``seconds`` of locust on a fresh database, then every invariant."""
    async with fresh_settings(seeded) as settings, serving(settings, folder / "data") as url:
        run = await asyncio.to_thread(
            run_locust, url, seconds=seconds, users=16, spawn_rate=4, seed=7, folder=folder
        )
        failing = {name: figures for name, figures in run["by_request"].items() if figures["failures"]}
        assert run["exit_code"] == 0 and run["failures"] == 0, f"failing: {failing}\n{run['output_tail']}"
        assert run["requests"] > 0, run
        kinds = " ".join(run["by_request"])
        for flow in ("claim pick trip", "putaway scan", "atp", "place order", "board snapshot", "WS board"):
            assert flow in kinds, f"no {flow!r} in {sorted(run['by_request'])}"
        engine = make_engine(settings.database_url or "", pool_size=1)
        try:
            await assert_inventory_invariants(make_sessionmaker(engine))
        finally:
            await engine.dispose()
        assert settings.database_url is not None
        dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        broken = await check_invariants(dsn)
        assert broken == {name: [] for name in CHECKS}, broken


@pytest.mark.e2e
@pytest.mark.timeout(SMOKE_SECONDS + 480)
async def test_two_minutes_of_mixed_load_cause_no_error_and_leave_stock_and_books_whole(
    seeded: Settings, tmp_path: Path
) -> None:
    await run_smoke(seeded, tmp_path)
