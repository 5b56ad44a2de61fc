"""What a handheld may accept at a task's item step, so it can check scans offline.

The server re-verifies every scan when the confirm arrives; this manifest only lets the device
refuse a wrong item at the bin instead of after the picker has left it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.services.count_views import handheld_view
from server.services.tasks import TaskRecord


async def accepted_gtins(db: AsyncSession, item_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each item's GTINs with their unit and size in base units, smallest unit first."""
    if not item_ids:
        return {}
    rows = await db.execute(
        text(
            "SELECT item_id, gtin, uom, factor FROM item_uoms WHERE item_id = ANY(:ids) AND gtin IS NOT NULL"
            " ORDER BY item_id, factor, uom"
        ),
        {"ids": list(set(item_ids))},
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(int(r.item_id), []).append({"gtin": r.gtin, "uom": r.uom, "factor": int(r.factor)})
    return found


async def handheld_views(db: AsyncSession, records: Sequence[TaskRecord]) -> list[dict[str, Any]]:
    """Tasks as a handheld sees them, each with ``accepted_gtins`` and ``lot_required`` for offline checks."""
    gtins = await accepted_gtins(db, [r.item_id for r in records if r.item_id is not None])
    return [
        handheld_view(r)
        | {"accepted_gtins": gtins.get(r.item_id, []) if r.item_id is not None else [], "lot_required": r.lot_tracked}
        for r in records
    ]
