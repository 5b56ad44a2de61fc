"""Arranging stock and orders through the public API, and checking the inventory invariants."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.gs1 import with_check_digit
from tests.conftest import new_key

Client = AsyncTestClient[Litestar]
_gtins = itertools.count(int(secrets.token_hex(2), 16) * 1000)


def fresh_gtin() -> str:
    body = f"20{next(_gtins):010d}"  # GS1 prefix 20-29: restricted circulation, never a real product
    return with_check_digit(body)


async def new_item(
    client: Client,
    admin: dict[str, str],
    *,
    lot_tracked: bool = False,
    substitutes: tuple[str, ...] = (),
    price: int = 100,
    case: int = 12,
    shelf_life_days: int | None = None,
) -> str:
    """A fresh item nobody else's test touches."""
    sku = f"T-{secrets.token_hex(4).upper()}"
    body = {
        "description": f"Test item {sku}",
        "units": [{"uom": "EA", "factor": 1, "gtin": fresh_gtin()}, {"uom": "CS", "factor": case}],
        "lot_tracked": lot_tracked,
        "shelf_life_days": shelf_life_days or (90 if lot_tracked else None),
        "substitutes": list(substitutes),
        "standard_cost": price // 2,
        "list_prices": {"STANDARD": price, "WHOLESALE": price * 9 // 10},
    }
    response = await client.put(f"/api/items/{sku}", headers=admin, json=body)
    assert response.status_code == 200, response.text
    return sku


async def add_stock(
    client: Client,
    supervisor: dict[str, str],
    sku: str,
    location: str,
    qty: int,
    *,
    lot: str = "",
    expires_on: str | None = None,
    warehouse: str = "WH1",
) -> dict[str, Any]:
    body: dict[str, Any] = {"location": location, "sku": sku, "delta": qty, "reason": "adjust.found", "lot": lot}
    if expires_on:
        body["expires_on"] = expires_on
    response = await client.post(
        f"/api/warehouses/{warehouse}/stock/adjustments", headers=supervisor | {"Idempotency-Key": new_key()}, json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def place(client: Client, rep: dict[str, str], customer: str, lines: list[tuple[str, int]], **extra: Any) -> Any:
    body = {"customer": customer, "warehouse": "WH1", "lines": [{"sku": s, "qty": q} for s, q in lines], **extra}
    return await client.post("/api/orders", headers=rep | {"Idempotency-Key": new_key()}, json=body)


async def atp(client: Client, headers: dict[str, str], sku: str, warehouse: str = "WH1") -> dict[str, Any]:
    response = await client.get(f"/api/warehouses/{warehouse}/atp/{sku}", headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["atp"]
    return result


async def assert_inventory_invariants(db: async_sessionmaker[AsyncSession]) -> None:
    """Every balance equals the sum of its movements, 0 <= allocated <= on hand, allocations add up."""
    async with db() as session:
        broken = (
            await session.execute(
                text(
                    "SELECT b.id, b.on_hand, b.allocated, coalesce(m.on_hand, 0), coalesce(m.allocated, 0),"
                    " coalesce(a.qty, 0) FROM stock_balances b"
                    " LEFT JOIN (SELECT balance_id, sum(delta_on_hand) AS on_hand, sum(delta_allocated) AS allocated"
                    "   FROM stock_movements GROUP BY balance_id) m ON m.balance_id = b.id"
                    " LEFT JOIN (SELECT balance_id, sum(qty) AS qty FROM allocations GROUP BY balance_id) a"
                    "   ON a.balance_id = b.id"
                    " WHERE b.on_hand <> coalesce(m.on_hand, 0) OR b.allocated <> coalesce(m.allocated, 0)"
                    " OR b.allocated > b.on_hand OR b.on_hand < 0 OR b.allocated <> coalesce(a.qty, 0)"
                )
            )
        ).all()
    assert broken == [], f"balances out of line with their movements or allocations: {broken}"
