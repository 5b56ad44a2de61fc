"""Closing a receipt: variances against the ASN become exceptions, dock stock gets putaway tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import ReceiptClosed
from domain.putaway import PutawayItem, StorageBin, suggest_putaway
from domain.receiving import ReceivedLine, compare_receipt
from domain.tasks import Priority, Spot, Task, TaskKind
from server.auth.tokens import Principal
from server.services import tasks
from server.services.exceptions import raise_exceptions
from server.services.receipt_views import expected_lines, receipt_view
from server.services.receiving import emit_receipt, open_receipt

# Item class -> storage zone; classes not listed go to the nearest empty bin anywhere.
CLASS_ZONES: dict[str, str] = {}

_SPOT = "SELECT id, code, zone, x, y, pick_sequence FROM locations"


def _spot(row: Any) -> Spot:
    return Spot(row.code, row.zone, row.x, row.y, row.pick_sequence)


async def _bins(db: AsyncSession, warehouse: str) -> tuple[list[StorageBin], dict[str, int]]:
    rows = await db.execute(
        text(
            f"{_SPOT} l WHERE warehouse = :wh AND kind = 'storage' AND NOT EXISTS (SELECT 1 FROM stock_balances b"
            " WHERE b.location_id = l.id AND b.on_hand > 0) AND NOT EXISTS (SELECT 1 FROM tasks t"
            " WHERE t.to_location_id = l.id AND t.state IN ('open', 'assigned', 'in_progress', 'exception'))"
        ),
        {"wh": warehouse},
    )
    found = rows.all()
    return [StorageBin(_spot(r), empty=True) for r in found], {r.code: int(r.id) for r in found}


async def _putaway_item(db: AsyncSession, warehouse: str, item_id: int, sku: str) -> tuple[PutawayItem, int | None]:
    face = (
        await db.execute(
            text(
                f"{_SPOT} l WHERE warehouse = :wh AND kind = 'pick_face' AND item_id = :i"
                " ORDER BY pick_sequence LIMIT 1"
            ),
            {"wh": warehouse, "i": item_id},
        )
    ).first()
    item_class = await db.scalar(text("SELECT item_class FROM items WHERE id = :i"), {"i": item_id})
    if face is None:
        return PutawayItem(sku, item_class), None
    on_hand, max_qty = (
        await db.execute(
            text(
                "SELECT coalesce((SELECT sum(on_hand) FROM stock_balances WHERE location_id = :l AND item_id = :i), 0),"
                " coalesce((SELECT max_qty FROM locations WHERE id = :l), 0)"
            ),
            {"l": face.id, "i": item_id},
        )
    ).one()
    return PutawayItem(sku, item_class, _spot(face), int(max_qty), int(on_hand)), int(face.id)


async def close_receipt(db: AsyncSession, principal: Principal, warehouse: str, receipt_id: int) -> dict[str, Any]:
    """Compare with the ASN (over, short, damaged -> exceptions) and plan putaway of the dock stock."""
    receipt = await open_receipt(db, warehouse, receipt_id)
    now = datetime.now(UTC)
    received = await db.execute(
        text(
            "SELECT rl.item_id, i.sku, rl.lot, sum(rl.qty_good), sum(rl.qty_damaged),"
            " string_agg(rl.damage_reason, '; ') FROM receipt_lines rl JOIN items i ON i.id = rl.item_id"
            " WHERE rl.receipt_id = :r GROUP BY rl.item_id, i.sku, rl.lot ORDER BY i.sku, rl.lot"
        ),
        {"r": receipt.id},
    )
    lines = received.all()
    result = compare_receipt(
        [e for _, e in await expected_lines(db, receipt.id)],
        [ReceivedLine(sku, int(g), lot or None, int(d), why) for _, sku, lot, g, d, why in lines],
        receipt_id=receipt.number,
        warehouse=warehouse,
        received_by=principal.username,
        now=now,
    )
    await raise_exceptions(db, result.exceptions)
    dock = (await db.execute(text(f"{_SPOT} WHERE id = :id"), {"id": receipt.dock_id})).one()
    bins, bin_ids = await _bins(db, warehouse)
    new: list[tasks.NewTask] = []
    for item_id, sku, lot, good, _, _ in lines:
        if not good:
            continue
        item, face_id = await _putaway_item(db, warehouse, int(item_id), sku)
        for n, s in enumerate(
            suggest_putaway(item, int(good), dock=_spot(dock), bins=bins, class_zones=CLASS_ZONES), start=1
        ):
            task = Task(
                id=f"{receipt.number}/PA/{sku}/{lot or '-'}/{n}",
                kind=TaskKind.PUTAWAY,
                warehouse=warehouse,
                location=_spot(dock),
                item=sku,
                lot=lot or None,
                qty=s.qty,
                to_location=s.to_location,
                priority=Priority.NORMAL,
                created_at=now,
                updated_at=now,
                reason=str(s.rule),
            )
            to_id = bin_ids.get(s.to_location.code, face_id)
            new.append(tasks.NewTask(task, int(dock.id), int(item_id), to_id, receipt_id=receipt.id))
            bins = [b for b in bins if b.location.code != s.to_location.code]
    created = await tasks.insert(db, new)
    await db.execute(
        text(
            "UPDATE receipts SET status = 'closed', closed_by = :by, closed_at = :at, version = version + 1"
            " WHERE id = :id"
        ),
        {"by": principal.username, "at": now, "id": receipt.id},
    )
    await db.execute(text("UPDATE asns SET status = 'closed' WHERE id = :id"), {"id": receipt.asn_id})
    view = await receipt_view(db, receipt.id)
    view["variances"] = [
        {"kind": str(v.kind), "sku": v.item, "lot": v.lot, "expected": v.expected, "received": v.received, "qty": v.qty}
        for v in result.variances
    ]
    view["exceptions"] = [e.id for e in result.exceptions]
    view["putaway_tasks"] = [tasks.task_view(r) for r in created]
    await emit_receipt(db, ReceiptClosed, view)
    return view
