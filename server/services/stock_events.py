"""After a command changed stock or demand of items: bump their ATP version and emit ``stock.changed``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from domain.atp import Atp
from domain.events import Event, StockChanged
from server.outbox import emit_many
from server.services.atp import bump_atp, skus


async def publish_atp(db: AsyncSession, warehouse: str, item_ids: Iterable[int], *, today: date) -> dict[int, Atp]:
    """Emit each item's new ATP. The caller holds the items' locks (``lock_items``)."""
    atps, changed = await atp_events(db, warehouse, item_ids, today=today)
    await emit_many(db, changed)
    return atps


async def atp_events(
    db: AsyncSession, warehouse: str, item_ids: Iterable[int], *, today: date, names: Mapping[int, str] | None = None
) -> tuple[dict[int, Atp], list[Event]]:
    """Each item's new ATP and its ``stock.changed`` event, for the caller to emit with its own events.
    ``names`` (item id -> SKU) spares a lookup when the caller has them. The caller holds the items'
    locks (``lock_items``)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}, []
    known = names if names is not None and all(i in names for i in ids) else await skus(db, ids)
    atps, versions = await bump_atp(db, warehouse, {i: known[i] for i in ids}, today=today)
    changed: list[Event] = [
        StockChanged(
            warehouse=warehouse,
            entity_id=known[item_id],
            version=version,
            data={"sku": known[item_id], "warehouse": warehouse, "atp": atps[item_id].to_dict()},
            sku=known[item_id],
        )
        for item_id, version in sorted(versions.items())
    ]
    return atps, changed
