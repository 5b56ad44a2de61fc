"""The pull feed over the stamped sequence, on a real server with its relay, PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api_helpers import new_warehouse, token
from tests.backends import wait_until
from tests.live import produce, published_through

TYPES = ("task.created", "stock.changed", "order.status_changed")


@pytest.fixture(scope="module")
async def api(live_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        yield client


async def busy_warehouse(db: async_sessionmaker[AsyncSession], *members: str, rounds: int = 5) -> str:
    """A warehouse with ``rounds`` * 5 stamped events of three types, committed in many transactions."""
    warehouse = await new_warehouse(db, *members)
    for _ in range(rounds):
        await produce(db, warehouse, 2, event_type=TYPES[0])
        await produce(db, warehouse, 2, event_type=TYPES[1])
        await produce(db, warehouse, 1, event_type=TYPES[2])

    async def all_stamped() -> bool:
        return await published_through(db, warehouse) == rounds * 5

    await wait_until(all_stamped, what="the relay to stamp every event")
    return warehouse


async def stored(db: async_sessionmaker[AsyncSession], warehouse: str) -> list[tuple[int, str, str]]:
    async with db() as session:
        rows = await session.execute(
            text("SELECT seq, event_id::text, type FROM outbox_events WHERE warehouse = :w ORDER BY seq"),
            {"w": warehouse},
        )
    return [(int(r[0]), r[1], r[2]) for r in rows]


async def read_all(
    api: httpx.AsyncClient, headers: dict[str, str], *, after: int = 0, **params: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every event after ``after`` page by page; returns the events and the pages."""
    events: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    while True:
        answer = await api.get("/api/events", params={"after": after, **params}, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        events += page["events"]
        assert page["next_after"] >= after
        after = page["next_after"]
        if not page["has_more"]:
            return events, pages


async def test_the_feed_pages_gap_free_and_resumes_from_next_after(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = await token(api, "admin")
    warehouse = await busy_warehouse(db)
    truth = await stored(db, warehouse)
    assert [seq for seq, _, _ in truth] == list(range(1, 26))

    events, pages = await read_all(api, admin, warehouse=warehouse, limit=7)
    assert [(e["seq"], e["id"], e["type"]) for e in events] == truth
    assert [len(p["events"]) for p in pages] == [7, 7, 7, 4]
    assert pages[-1]["next_after"] == pages[-1]["head"] == 25
    assert all(e["warehouse"] == warehouse and e["data"]["id"] == e["entity_id"] for e in events)

    resumed, _ = await read_all(api, admin, after=pages[1]["next_after"], warehouse=warehouse, limit=5)
    assert [e["seq"] for e in resumed] == list(range(15, 26))

    wanted = ["stock.changed", "order.status_changed"]
    filtered, filtered_pages = await read_all(api, admin, warehouse=warehouse, limit=4, types=",".join(wanted))
    assert [(e["seq"], e["id"]) for e in filtered] == [(s, i) for s, i, t in truth if t in wanted]
    assert filtered_pages[-1]["next_after"] == 25
    repeated, _ = await read_all(api, admin, warehouse=warehouse, types=wanted)
    assert repeated == filtered

    # new events later: the feed picks up exactly after where it stopped
    more = await produce(db, warehouse, 3)
    await wait_until(lambda: _stamped(db, warehouse, 28), what="three more stamped")
    later, _ = await read_all(api, admin, after=25, warehouse=warehouse)
    assert [(e["seq"], e["entity_id"]) for e in later] == list(zip((26, 27, 28), more, strict=True))


async def _stamped(db: async_sessionmaker[AsyncSession], warehouse: str, seq: int) -> bool:
    return await published_through(db, warehouse) >= seq


async def test_the_feed_is_scoped_by_role_and_warehouse_and_refuses_bad_positions(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    warehouse = await busy_warehouse(db, "picker1", rounds=2)
    picker, other_picker, admin = [await token(api, u) for u in ("picker1", "picker3", "admin")]

    seen, _ = await read_all(api, picker, warehouse=warehouse)
    assert {e["type"] for e in seen} == {"task.created"} and len(seen) == 4
    none, pages = await read_all(api, picker, warehouse=warehouse, types="stock.changed")
    assert none == [] and pages[-1]["next_after"] == 10, "positions it may not see are passed, not stuck on"

    async def problem(headers: dict[str, str], **params: Any) -> tuple[int, str]:
        answer = await api.get("/api/events", params=params, headers=headers)
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        return answer.status_code, answer.json()["code"]

    assert await problem(other_picker, warehouse=warehouse) == (403, "auth.wrong_warehouse")
    assert await problem(picker) == (422, "feed.warehouse_required")  # picker1 now works in two warehouses
    assert await problem(admin, warehouse=warehouse, after=11) == (422, "feed.position_ahead")
    assert await problem(admin, warehouse=warehouse, types="Not A Type") == (422, "feed.invalid_type")
    assert await problem(admin, warehouse="NOWHERE") == (404, "feed.unknown_warehouse")
    assert await problem(admin, warehouse=warehouse, limit=0) == (400, "request.invalid")
    assert await problem({}, warehouse=warehouse) == (401, "auth.unauthenticated")
