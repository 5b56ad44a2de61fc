"""ATP read model: balances, open inbound and open demand of a few items, in one indexed query.

It never reads the movement history, so its cost does not grow with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.atp import Atp, compute_atp
from domain.errors import Rejected
from domain.stock import Balance, StockKey, StockStatus
from realtime.positions import stream_position
from server.db import pg
from server.services import catalog

# One round trip: balances by status, open inbound by day and unallocated demand by day, tagged.
# Inbound and demand start from the open lines' partial indexes (MATERIALIZED keeps the planner from
# walking every order or purchase order of the warehouse instead), so their cost follows what is
# open for these items, not how many documents the warehouse has ever had.
_ATP_SOURCES = (
    "inbound AS MATERIALIZED (SELECT po_id, item_id, expected_date, open_qty FROM purchase_order_lines"
    " WHERE open_qty > 0 AND item_id = ANY($2::bigint[])),"
    " demand AS MATERIALIZED (SELECT order_id, item_id, backordered FROM sales_order_lines"
    " WHERE backordered > 0 AND item_id = ANY($2::bigint[]))"
    " SELECT 'b', item_id, status, NULL::date, sum(on_hand), sum(allocated) FROM stock_balances"
    " WHERE warehouse = $1 AND item_id = ANY($2::bigint[]) GROUP BY item_id, status"
    " UNION ALL"
    " SELECT 'i', l.item_id, NULL, coalesce(l.expected_date, p.expected_date), sum(l.open_qty), 0"
    " FROM inbound l JOIN purchase_orders p ON p.id = l.po_id WHERE p.warehouse = $1 GROUP BY 2, 4"
    " UNION ALL"
    " SELECT 'd', l.item_id, NULL, o.requested_date, sum(l.backordered), 0"
    " FROM demand l JOIN sales_orders o ON o.id = l.order_id WHERE o.warehouse = $1 GROUP BY 2, 4"
)
_ATP_INPUTS = "WITH " + _ATP_SOURCES
# The same, after a change: also bumps the items' ATP versions, tagged 'v' (still one round trip).
_BUMP_AND_ATP_INPUTS = (
    "WITH bumped AS (UPDATE warehouse_items SET atp_version = atp_version + 1"
    " WHERE warehouse = $1 AND item_id = ANY($2::bigint[]) RETURNING item_id, atp_version), "
    + _ATP_SOURCES
    + " UNION ALL SELECT 'v', item_id, NULL, NULL, atp_version, 0 FROM bumped"
)


async def atp_for_items(db: AsyncSession, warehouse: str, skus_by_id: dict[int, str], *, today: date) -> dict[int, Atp]:
    """ATP of each item (id -> sku given) in ``warehouse`` as of ``today``."""
    atps, _ = await _atp(db, _ATP_INPUTS, warehouse=warehouse, skus_by_id=skus_by_id, today=today)
    return atps


async def bump_atp(
    db: AsyncSession, warehouse: str, skus_by_id: dict[int, str], *, today: date
) -> tuple[dict[int, Atp], dict[int, int]]:
    """After a change to the items (whose locks the caller holds): their new ATP and their bumped ATP
    versions, item id -> version."""
    return await _atp(db, _BUMP_AND_ATP_INPUTS, warehouse=warehouse, skus_by_id=skus_by_id, today=today)


async def _atp(
    db: AsyncSession, sql: str, *, warehouse: str, skus_by_id: dict[int, str], today: date
) -> tuple[dict[int, Atp], dict[int, int]]:
    ids = sorted(skus_by_id)
    if not ids:
        return {}, {}
    balances: dict[int, list[tuple[StockKey, Balance]]] = defaultdict(list)
    inbound: dict[int, list[tuple[date, int]]] = defaultdict(list)
    demand: dict[int, list[tuple[date, int]]] = defaultdict(list)
    versions: dict[int, int] = {}
    for kind, item_id, status, day, qty, allocated in await (await pg(db)).fetch(sql, warehouse, ids):
        if kind == "b":
            key = StockKey("*", skus_by_id[item_id], "", StockStatus(status))
            balances[item_id].append((key, Balance(int(qty), int(allocated))))
        elif kind == "v":
            versions[item_id] = int(qty)
        else:
            (inbound if kind == "i" else demand)[item_id].append((day, int(qty)))
    atps = {
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
    return atps, versions


_ITEM_AND_POSITION = text(
    "SELECT i.id, i.description, s.epoch, s.last_seq FROM items i"
    " LEFT JOIN stream_state s ON s.warehouse = :wh WHERE i.sku = :sku"
)


async def atp_of_item(db: AsyncSession, warehouse: str, sku: str) -> tuple[dict[str, Any], str, Atp]:
    """One item's ATP for a tablet: (as_of position, description, ATP) in two round trips.

    The position is read first, in its own statement, so a subscription from it misses nothing.
    """
    row = (await db.execute(_ITEM_AND_POSITION, {"wh": warehouse, "sku": sku})).first()
    if row is None:
        raise Rejected("item.unknown", f"No item {sku}", skus=[sku])
    if row.epoch is None:  # the warehouse never published (or does not exist): let positions decide
        as_of: dict[str, Any] = await stream_position(db, warehouse)
    else:
        as_of = {"epoch": row.epoch, "seq": int(row.last_seq)}
    today = await catalog.warehouse_today(db, warehouse)
    atp = (await atp_for_items(db, warehouse, {row.id: sku}, today=today))[row.id]
    return as_of, row.description, atp


async def skus(db: AsyncSession, item_ids: Iterable[int]) -> dict[int, str]:
    rows = await (await pg(db)).fetch("SELECT id, sku FROM items WHERE id = ANY($1::bigint[])", sorted(set(item_ids)))
    return {int(i): str(s) for i, s in rows}
