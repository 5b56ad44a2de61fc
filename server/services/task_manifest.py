"""What a handheld may accept for a task's line, so it can check every scan at once, even offline.

The server re-verifies every scan when the confirm arrives; the manifest only lets the device
refuse a wrong bin, item, lot or tote at the bin instead of after the picker has left it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.tasks import TaskKind
from server.services.count_views import handheld_view
from server.services.scans import SITE_LABELS
from server.services.tasks import TaskRecord

# What a manifest needs beyond the task row, as columns over the tasks table aliased ``t``:
# the item's GTINs (smallest unit first), the allocated lot's expiry and the customer's shelf-life rule.
FACT_COLUMNS = (
    "(SELECT coalesce(json_agg(json_build_object('gtin', u.gtin, 'uom', u.uom, 'factor', u.factor)"
    " ORDER BY u.factor, u.uom), '[]') FROM item_uoms u WHERE u.item_id = t.item_id AND u.gtin IS NOT NULL)"
    " AS m_gtins,"
    " (SELECT lot.expires_on FROM lots lot WHERE lot.item_id = t.item_id AND lot.code = t.lot AND t.lot <> '')"
    " AS m_expires_on,"
    " (SELECT c.min_shelf_life_days FROM sales_orders so JOIN customers c ON c.id = so.customer_id"
    " WHERE so.id = t.order_id) AS m_min_shelf_life_days"
)


def manifest(record: TaskRecord, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The task's manifest from its record and the ``FACT_COLUMNS`` read with it."""
    t = record.task
    gtins = facts["m_gtins"]
    expires = facts["m_expires_on"]
    return {
        "location": {"code": t.location.code, "barcodes": [t.location.code]},
        "sku": t.item,
        "accepted_gtins": json.loads(gtins) if isinstance(gtins, str) else list(gtins or []),
        "lot": {
            "required": record.lot_tracked,
            "lot": t.lot,
            "expires_on": expires.isoformat() if expires else None,
            "min_shelf_life_days": facts["m_min_shelf_life_days"] or None,
        },
        "qty_max": None if t.kind is TaskKind.COUNT else t.qty - t.qty_done,
        "tote": {"code": t.tote, "patterns": list(SITE_LABELS.tote)} if t.tote else None,
    }


def handheld_task(record: TaskRecord, facts: Mapping[str, Any]) -> dict[str, Any]:
    """A task as a handheld sees it: its view, its manifest, and the manifest's GTINs and lot rule
    also at the top level, where handhelds read them before the manifest existed."""
    shown = manifest(record, facts)
    return handheld_view(record) | {
        "accepted_gtins": shown["accepted_gtins"],
        "lot_required": record.lot_tracked,
        "manifest": shown,
    }


async def handheld_views(db: AsyncSession, records: Sequence[TaskRecord]) -> list[dict[str, Any]]:
    """Tasks as a handheld sees them, each with its manifest for offline checks (one query)."""
    if not records:
        return []
    rows = await db.execute(
        text(f"SELECT t.id, {FACT_COLUMNS} FROM tasks t WHERE t.id = ANY(:ids)"), {"ids": [r.id for r in records]}
    )
    facts = {int(r.id): dict(r._mapping) for r in rows}
    return [handheld_task(r, facts[r.id]) for r in records]
