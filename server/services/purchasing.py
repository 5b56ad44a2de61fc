"""Purchase orders: inbound supply that ATP counts by expected date."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Invalid
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.services import catalog
from server.services.allocation import domain_item
from server.services.locking import lock_items
from server.services.stock_events import publish_atp


class PurchaseLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    qty: int
    unit_cost: int
    uom: str = "EA"
    expected_date: date | None = None


class NewPurchaseOrder(msgspec.Struct, forbid_unknown_fields=True):
    number: str
    supplier: str
    warehouse: str
    expected_date: date
    lines: list[PurchaseLine]
    currency: str = "EUR"


async def create_purchase_order(db: AsyncSession, principal: Principal, cmd: NewPurchaseOrder) -> dict[str, Any]:
    """Record a PO; its lines become inbound supply at once."""
    ensure_warehouse(principal, cmd.warehouse)
    if not cmd.lines:
        raise Invalid("po.no_lines", "A purchase order needs at least one line")
    if await db.scalar(text("SELECT 1 FROM purchase_orders WHERE number = :n"), {"n": cmd.number}):
        raise Conflict("po.exists", f"Purchase order {cmd.number} already exists", number=cmd.number)
    refs = await catalog.items_by_sku(db, [line.sku for line in cmd.lines])
    rows = []
    for n, line in enumerate(cmd.lines, start=1):
        if line.unit_cost < 0:
            raise Invalid("po.negative_cost", f"Line {n} has a negative cost")
        qty = domain_item(refs[line.sku]).to_base(line.qty, line.uom)
        if qty <= 0:
            raise Invalid("po.qty_not_positive", f"Line {n} orders nothing")
        rows.append((n, refs[line.sku].id, qty, line.unit_cost, line.expected_date))
    po_id = await db.scalar(
        text(
            "INSERT INTO purchase_orders (number, supplier, warehouse, status, expected_date, currency)"
            " VALUES (:n, :s, :wh, 'open', :d, :c) RETURNING id"
        ),
        {"n": cmd.number, "s": cmd.supplier, "wh": cmd.warehouse, "d": cmd.expected_date, "c": cmd.currency},
    )
    for line_no, item_id, qty, cost, expected in rows:
        await db.execute(
            text(
                "INSERT INTO purchase_order_lines (po_id, line_no, item_id, qty_ordered, qty_received, open_qty,"
                " unit_cost_minor, expected_date) VALUES (:po, :n, :i, :q, 0, :q, :c, :d)"
            ),
            {"po": po_id, "n": line_no, "i": item_id, "q": qty, "c": cost, "d": expected},
        )
    item_ids = sorted({item_id for _, item_id, *_ in rows})
    await lock_items(db, cmd.warehouse, item_ids)
    await publish_atp(db, cmd.warehouse, item_ids, today=await catalog.warehouse_today(db, cmd.warehouse))
    return {"number": cmd.number, "warehouse": cmd.warehouse, "status": "open", "lines": len(rows)}
