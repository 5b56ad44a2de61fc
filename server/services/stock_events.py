"""After a command changed stock or demand of items: bump their ATP version and emit ``stock.changed``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.atp import Atp
from server.outbox import Event, emit_many
from server.services.atp import atp_for_items, skus


async def publish_atp(db: AsyncSession, warehouse: str, item_ids: Iterable[int], *, today: date) -> dict[int, Atp]:
    """Emit each item's new ATP. The caller holds the items' locks (``lock_items``)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    names = await skus(db, ids)
    atps = await atp_for_items(db, warehouse, names, today=today)
    versions = await db.execute(
        text(
            "UPDATE warehouse_items SET atp_version = atp_version + 1 WHERE warehouse = :wh AND item_id = ANY(:ids)"
            " RETURNING item_id, atp_version"
        ),
        {"wh": warehouse, "ids": ids},
    )
    await emit_many(
        db,
        [
            Event(
                events.STOCK_CHANGED,
                warehouse,
                "atp",
                names[item_id],
                int(version),
                {"sku": names[item_id], "warehouse": warehouse, "atp": atps[item_id].to_dict()},
            )
            for item_id, version in versions
        ],
    )
    return atps
