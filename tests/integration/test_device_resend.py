"""A kept-alive connection closed under a request (what a busy machine turns a 5 s keep-alive into):
the handheld sends the request again, and each mutation is applied exactly once."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.live import handheld
from tests.network import Drop, breaking_hop


def location(code: str) -> dict[str, Any]:
    return {"warehouse": "WH1", "code": code, "zone": "Z", "kind": "storage"}


@pytest.mark.parametrize("drop", ["request", "answer"])
async def test_a_request_on_a_connection_closed_under_it_is_sent_again_and_applied_once(
    live_url: str, db: async_sessionmaker[AsyncSession], drop: Drop
) -> None:
    run = secrets.token_hex(3).upper()
    # login, then register on the kept-alive connection: broken once already
    async with (
        breaking_hop(live_url, breaks=4, drop=drop) as (url, count),
        handheld(url, "super1", device=f"rf-{run}") as device,
    ):
        for n in range(5):
            await device.mutate("location.create", location(f"K{run}-{n}"))
        device.go_offline()
        for n in range(5, 10):
            await device.mutate("location.create", location(f"K{run}-{n}"))
        first = await device.replay(device.queue)
        again = await device.replay(device.queue)
    assert count.broken == 4  # the hop really broke connections under requests
    assert [r["outcome"] for r in device.results.values()] == ["applied"] * 5
    assert first["last_mutation_id"] == again["last_mutation_id"] == 10
    assert all(r["outcome"] == "applied" for r in first["results"] + again["results"])
    async with db() as session:
        made = await session.scalar(text("SELECT count(*) FROM locations WHERE code LIKE :p"), {"p": f"K{run}-%"})
        devices = await session.scalar(text("SELECT count(*) FROM devices WHERE name = :n"), {"n": f"rf-{run}"})
    assert made == 10
    assert devices == 1  # the register that lost its answer was not run twice
