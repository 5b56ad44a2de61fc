"""100 devices each replaying 50 queued mutations twice, all at once: each applied exactly once."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.client import Handheld
from tests.live import handheld


async def test_hundred_devices_replaying_fifty_mutations_twice_apply_each_once(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    run = secrets.token_hex(3).upper()
    async with handheld(live_url, "super1") as boss:
        devices = []
        for n in range(100):
            device = Handheld(live_url, timeout_s=120)
            device.tokens = boss.tokens
            await device.register(f"rf-{run}-{n}")
            device.go_offline()
            for m in range(50):
                await device.mutate(
                    "location.create", {"warehouse": "WH1", "code": f"R{run}-{n}-{m}", "zone": "Z", "kind": "storage"}
                )
            devices.append(device)
        try:
            answers = await asyncio.gather(*(d.replay(d.queue) for d in devices for _ in range(2)))
        finally:
            for device in devices:
                await device.close()

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
