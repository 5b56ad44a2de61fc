"""ATP read model: balances, open inbound and open demand of a few items, in three indexed queries.

It never reads the movement history, so its cost does not grow with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.atp import Atp, compute_atp
from domain.stock import Balance, StockKey, StockStatus

_BALANCES = text(
    "SELECT item_id, status, sum(on_hand), sum(allocated) FROM stock_balances"
    " WHERE warehouse = :wh AND item_id = ANY(:ids) GROUP BY item_id, status"
)
_INBOUND = text(
    "SELECT l.item_id, coalesce(l.expected_date, p.expected_date), sum(l.open_qty)"
    " FROM purchase_order_lines l JOIN purchase_orders p ON p.id = l.po_id"
    " WHERE l.open_qty > 0 AND l.item_id = ANY(:ids) AND p.warehouse = :wh GROUP BY 1, 2"
)
_DEMAND = text(
    "SELECT l.item_id, o.requested_date, sum(l.backordered)"
    " FROM sales_order_lines l JOIN sales_orders o ON o.id = l.order_id"
    " WHERE l.backordered > 0 AND l.item_id = ANY(:ids) AND o.warehouse = :wh GROUP BY 1, 2"
)


async def atp_for_items(db: AsyncSession, warehouse: str, skus_by_id: dict[int, str], *, today: date) -> dict[int, Atp]:
    """ATP of each item (id -> sku given) in ``warehouse`` as of ``today``."""
    ids = sorted(skus_by_id)
    if not ids:
        return {}
    params: dict[str, Any] = {"wh": warehouse, "ids": ids}
    balances: dict[int, list[tuple[StockKey, Balance]]] = defaultdict(list)
    for item_id, status, on_hand, allocated in await db.execute(_BALANCES, params):
        key = StockKey("*", skus_by_id[item_id], "", StockStatus(status))
        balances[item_id].append((key, Balance(int(on_hand), int(allocated))))
    inbound = await _by_item(db, _INBOUND, params)
    demand = await _by_item(db, _DEMAND, params)
    return {
        item_id: compute_atp(
            skus_by_id[item_id],
            warehouse,
            balances=balances[item_id],
            inbound=inbound[item_id],
            demand=demand[item_id],
            today=today,
        )
        for item_id in ids
    }


async def _by_item(db: AsyncSession, query: TextClause, params: Mapping[str, Any]) -> dict[int, list[tuple[date, int]]]:
    result: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for item_id, day, qty in await db.execute(query, params):
        result[item_id].append((day, int(qty)))
    return result


async def skus(db: AsyncSession, item_ids: Iterable[int]) -> dict[int, str]:
    rows = await db.execute(text("SELECT id, sku FROM items WHERE id = ANY(:ids)"), {"ids": sorted(set(item_ids))})
    return {int(i): str(s) for i, s in rows}
