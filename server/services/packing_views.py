"""The packing bench's worklist: picked orders with the totes still to pack and the units packed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_ORDERS = 200

# picked orders oldest first: the totes holding their picks, and their units (none shipped yet)
_TO_PACK = text(
    "SELECT o.number, c.name AS customer_name, o.carrier,"
    " coalesce((SELECT array_agg(DISTINCT t.tote ORDER BY t.tote) FROM tasks t WHERE t.order_id = o.id"
    "   AND t.kind = 'pick' AND t.qty_done > 0 AND t.tote IS NOT NULL), '{}') AS totes,"
    " coalesce((SELECT json_agg(json_build_array(u.sscc, u.totes) ORDER BY u.sscc) FROM shipping_units u"
    "   WHERE u.order_id = o.id), '[]') AS units"
    " FROM sales_orders o JOIN customers c ON c.id = o.customer_id"
    " WHERE o.warehouse = :wh AND o.status = 'picked' ORDER BY o.id LIMIT :limit"
)


async def orders_to_pack(db: AsyncSession, warehouse: str) -> list[dict[str, Any]]:
    """Picked orders of ``warehouse``: their totes, which are still unpacked, and their shipping units."""
    rows = await db.execute(_TO_PACK, {"wh": warehouse, "limit": MAX_ORDERS})
    orders = []
    for r in rows:
        units = [{"sscc": sscc, "totes": list(totes)} for sscc, totes in r.units]
        packed = {tote for u in units for tote in u["totes"]}
        orders.append(
            {
                "number": r.number,
                "customer_name": r.customer_name,
                "carrier": r.carrier,
                "totes": list(r.totes),
                "unpacked_totes": [t for t in r.totes if t not in packed],
                "units": units,
            }
        )
    return orders
