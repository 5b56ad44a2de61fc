"""Many concurrent allocators racing for scarce stock never oversell and never surface a deadlock."""

from __future__ import annotations

import asyncio

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers
from tests.stock_helpers import add_stock, assert_inventory_invariants, atp, new_item, place

Client = AsyncTestClient[Litestar]

ALLOCATORS = 8
ORDERS = 200
UNITS = 50


async def test_eight_allocators_racing_for_50_units_allocate_exactly_50(
    client: Client, db: async_sessionmaker[AsyncSession]
) -> None:
    admin, sup, rep = [await auth_headers(client, u) for u in ("admin", "super1", "rep1")]
    sku = await new_item(client, admin)
    other = await new_item(client, admin)
    # scarce stock spread over several balances, so allocators contend on more than one row
    for location, qty in (("WH1-A06-01-1", 20), ("WH1-R04-01-2", 20), ("WH1-R04-02-3", 10)):
        await add_stock(client, sup, sku, location, qty)
    await add_stock(client, sup, other, "WH1-A06-02-1", 1000)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(ORDERS):
        queue.put_nowait(n)
    statuses: list[int] = []

    async def allocator() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            # two-line orders in both item orders, to provoke lock-order deadlocks if there could be any
            lines = [(sku, 1), (other, 1)] if n % 2 else [(other, 1), (sku, 1)]
            response = await place(client, rep, f"CUST-{(n % 39) + 1:03d}", lines)
            statuses.append(response.status_code)

    await asyncio.gather(*(allocator() for _ in range(ALLOCATORS)))
    assert statuses.count(201) == ORDERS, statuses
    async with db() as session:
        allocated = await session.scalar(
            text(
                "SELECT coalesce(sum(a.qty), 0) FROM allocations a JOIN stock_balances b ON b.id = a.balance_id"
                " JOIN items i ON i.id = b.item_id WHERE i.sku = :s"
            ),
            {"s": sku},
        )
        backordered = await session.scalar(
            text(
                "SELECT sum(l.backordered) FROM sales_order_lines l JOIN items i ON i.id = l.item_id WHERE i.sku = :s"
            ),
            {"s": sku},
        )
    assert allocated == UNITS
    assert backordered == ORDERS - UNITS
    result = await atp(client, rep, sku)
    assert result["available_now"] == 0 and result["allocated"] == UNITS and result["on_hand"] == UNITS
    await assert_inventory_invariants(db)
