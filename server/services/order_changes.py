"""Changing placed orders: approve a credit hold, change or cancel a line, cancel, re-allocate backorders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders
from domain.errors import Conflict, Forbidden, NotFound
from domain.orders import OrderStatus
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.services import catalog
from server.services.allocation import domain_item
from server.services.exceptions import resolve_subject
from server.services.locking import lock_items, lock_orders
from server.services.order_allocation import allocate_orders, order_events
from server.services.order_views import load_view
from server.services.orders import ChangeLine, _order_id, release_allocations
from server.services.stock_events import publish_atp


class ReallocationRun(msgspec.Struct, forbid_unknown_fields=True):
    """Re-allocate open backorders of the warehouse (optionally only those wanting these SKUs)."""

    skus: list[str] | None = None
    limit: int = 500


async def _status(db: AsyncSession, order_id: int) -> tuple[OrderStatus, str]:
    row = (await db.execute(text("SELECT status, warehouse FROM sales_orders WHERE id = :id"), {"id": order_id})).one()
    return OrderStatus(row.status), str(row.warehouse)


async def _set_status(db: AsyncSession, order_id: int, current: OrderStatus, target: OrderStatus, reason: str) -> None:
    orders.transition(current, target)
    await db.execute(
        text("UPDATE sales_orders SET status = :s, status_reason = :r, version = version + 1 WHERE id = :id"),
        {"s": str(target), "r": reason, "id": order_id},
    )


async def approve_hold(db: AsyncSession, principal: Principal, number: str) -> dict[str, Any]:
    """A supervisor lifts a credit hold: the order goes back to draft and is allocated."""
    order_id = await _order_id(db, number)
    await lock_orders(db, [order_id])
    status, warehouse = await _status(db, order_id)
    ensure_warehouse(principal, warehouse)
    if status is not OrderStatus.ON_HOLD:
        raise Conflict("order.not_on_hold", f"Order {number} is {status}, not on hold", order=number)
    placed_by = await db.scalar(text("SELECT created_by FROM sales_orders WHERE id = :id"), {"id": order_id})
    if placed_by == principal.user_id:  # separation of duties: whoever placed it cannot wave it through
        raise Forbidden(
            "order.self_approval",
            f"You placed order {number}; another supervisor must approve its credit hold.",
            order=number,
        )
    await _set_status(db, order_id, status, OrderStatus.DRAFT, f"credit hold approved by {principal.username}")
    await resolve_subject(db, warehouse, f"order:{number}", by=principal.username, resolution="credit hold approved")
    await db.execute(
        text("UPDATE sales_orders SET approved_by = :u, approved_at = :t WHERE id = :id"),
        {"u": principal.user_id, "t": datetime.now(UTC), "id": order_id},
    )
    today = await catalog.warehouse_today(db, warehouse)
    views = await allocate_orders(db, principal, warehouse, [order_id], today=today)
    return views[order_id]


async def cancel_order(db: AsyncSession, principal: Principal, number: str) -> dict[str, Any]:
    """Cancel an order that has not reached the floor; its stock is given back."""
    order_id = await _order_id(db, number)
    await lock_orders(db, [order_id])
    status, warehouse = await _status(db, order_id)
    ensure_warehouse(principal, warehouse)
    orders.transition(status, OrderStatus.CANCELLED)
    item_ids = await release_allocations(db, principal, order_id)
    await db.execute(
        text("UPDATE sales_order_lines SET qty_allocated = 0, backordered = 0 WHERE order_id = :id"),
        {"id": order_id},
    )
    await _set_status(db, order_id, status, OrderStatus.CANCELLED, f"cancelled by {principal.username}")
    await resolve_subject(db, warehouse, f"order:{number}", by=principal.username, resolution="order cancelled")
    await publish_atp(db, warehouse, item_ids, today=await catalog.warehouse_today(db, warehouse))
    await order_events(db, [order_id])
    return await load_view(db, order_id)


async def change_line(
    db: AsyncSession, principal: Principal, number: str, line_no: int, cmd: ChangeLine
) -> dict[str, Any]:
    """Change a line's quantity (0 cancels the line): its stock is released and allocation runs again."""
    order_id = await _order_id(db, number)
    await lock_orders(db, [order_id])
    status, warehouse = await _status(db, order_id)
    ensure_warehouse(principal, warehouse)
    if status not in orders.CHANGEABLE:
        raise Conflict("order.not_changeable", f"Order {number} is {status} and can no longer change", order=number)
    line = (
        await db.execute(
            text(
                "SELECT i.sku FROM sales_order_lines l JOIN items i ON i.id = l.item_id"
                " WHERE l.order_id = :o AND l.line_no = :n AND NOT l.cancelled"
            ),
            {"o": order_id, "n": line_no},
        )
    ).first()
    if line is None:
        raise NotFound("order.line_not_found", f"Order {number} has no open line {line_no}")
    ref = (await catalog.items_by_sku(db, [line.sku]))[line.sku]
    qty = domain_item(ref).to_base(cmd.qty, cmd.uom)
    item_ids = await release_allocations(db, principal, order_id, line_no=line_no)
    await db.execute(
        text(
            "UPDATE sales_order_lines SET qty = CASE WHEN :q > 0 THEN :q ELSE qty END, qty_allocated = 0,"
            " backordered = :q, cancelled = (:q = 0) WHERE order_id = :o AND line_no = :n"
        ),
        {"q": qty, "o": order_id, "n": line_no},
    )
    await db.execute(
        text(
            "UPDATE sales_orders o SET total_minor = (SELECT coalesce(sum(qty * unit_price_minor), 0)"
            " FROM sales_order_lines WHERE order_id = o.id AND NOT cancelled) WHERE id = :id"
        ),
        {"id": order_id},
    )
    remaining = await db.scalar(
        text("SELECT count(*) FROM sales_order_lines WHERE order_id = :id AND NOT cancelled"),
        {"id": order_id},
    )
    today = await catalog.warehouse_today(db, warehouse)
    if not remaining:
        await _set_status(db, order_id, status, OrderStatus.CANCELLED, "every line cancelled")
    else:
        held = await db.scalar(text("SELECT count(*) FROM allocations WHERE order_id = :id"), {"id": order_id})
        if status is not OrderStatus.ON_HOLD:
            after = OrderStatus.PARTIALLY_ALLOCATED if held else OrderStatus.BACKORDERED
            if after is not status:
                await _set_status(db, order_id, status, after, f"line {line_no} changed")
            await allocate_orders(db, principal, warehouse, [order_id], today=today)
    await lock_items(db, warehouse, item_ids)
    await publish_atp(db, warehouse, item_ids, today=today)
    await order_events(db, [order_id])
    return await load_view(db, order_id)


async def reallocate(db: AsyncSession, principal: Principal, warehouse: str, run: ReallocationRun) -> dict[str, Any]:
    """Batch run (e.g. after a receipt): backorders get stock, priority customers first."""
    item_filter = None
    if run.skus:
        item_filter = [r.id for r in (await catalog.items_by_sku(db, run.skus)).values()]
    rows = await db.execute(
        text(
            "SELECT DISTINCT o.id FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id"
            " WHERE o.warehouse = :wh AND o.status IN ('backordered', 'partially_allocated') AND l.backordered > 0"
            " AND (CAST(:items AS bigint[]) IS NULL OR l.item_id = ANY(:items)) ORDER BY o.id LIMIT :limit"
        ),
        {"wh": warehouse, "items": item_filter, "limit": max(1, min(run.limit, 5000))},
    )
    order_ids = [int(r[0]) for r in rows]
    today = await catalog.warehouse_today(db, warehouse)
    views = await allocate_orders(db, principal, warehouse, order_ids, today=today)
    outcome = [{"order": v["number"], "status": v["status"], "reason": v["status_reason"]} for v in views.values()]
    return {"orders_considered": len(order_ids), "orders": outcome}
