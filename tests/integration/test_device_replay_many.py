"""100 devices each replaying 50 queued mutations twice, all at once: each applied exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.client import Handheld
from tests.live import handheld

# 10,000 mutations on a server that shares this test's event loop: on a loaded 2-core box that takes
# minutes, and devices keep sending (503 server.busy, then again) until this test's own deadline
RESEND_FOR_S = 840.0


@pytest.mark.timeout(900)
async def test_hundred_devices_replaying_fifty_mutations_twice_apply_each_once(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    run = secrets.token_hex(3).upper()
    async with handheld(live_url, "super1") as boss, contextlib.AsyncExitStack() as devices_open:
        devices = []
        for _ in range(100):
            device = Handheld(live_url, timeout_s=RESEND_FOR_S, resend_for_s=RESEND_FOR_S)
            devices_open.push_async_callback(device.close)  # closed however the test ends
            device.tokens = boss.tokens
            devices.append(device)
        # a TaskGroup, not gather: if one call fails the others are cancelled, not left running with
        # their sockets open into the tests that follow
        async with asyncio.TaskGroup() as group:
            for n, device in enumerate(devices):
                group.create_task(device.register(f"rf-{run}-{n}"))
        for n, device in enumerate(devices):
            device.go_offline()
            for m in range(50):
                await device.mutate(
                    "location.create", {"warehouse": "WH1", "code": f"R{run}-{n}-{m}", "zone": "Z", "kind": "storage"}
                )
        async with asyncio.TaskGroup() as group:
            replays = [group.create_task(d.replay(d.queue)) for d in devices for _ in range(2)]
    answers: list[dict[str, Any]] = [replay.result() for replay in replays]

    for device, (first, second) in zip(devices, zip(answers[::2], answers[1::2], strict=True), strict=True):
        assert first["last_mutation_id"] == second["last_mutation_id"] == 50, device.device_id
        fresh = [r["mutation_id"] for a in (first, second) for r in a["results"] if not r.get("replayed")]
        assert sorted(fresh) == list(range(1, 51))
        assert all(r["outcome"] == "applied" for a in (first, second) for r in a["results"])
    async with db() as session:
        made = await session.scalar(text("SELECT count(*) FROM locations WHERE code LIKE :p"), {"p": f"R{run}-%"})
        stored = await session.scalar(
            text("SELECT count(*) FROM device_mutations m JOIN devices d ON d.id = m.device_id WHERE d.name LIKE :p"),
            {"p": f"rf-{run}-%"},
        )
    assert made == stored == 5000
