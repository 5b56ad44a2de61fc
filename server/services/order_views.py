"""The order as screens and events show it: lines, what each holds and why, and the status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.allocation import OrderAllocation
from domain.customers import Customer
from domain.errors import NotFound
from domain.events import OrderStatusChanged
from domain.orders import OrderStatus, SalesOrder, allowed_changes
from server.db import pg
from server.services.allocation import backordered

# One round trip: the order, its lines and its allocations (as JSON arrays, in line and allocation order).
_ORDER = (
    "SELECT o.id, o.number, o.warehouse, o.status, o.status_reason, o.requested_date, o.ship_complete, o.priority,"
    " o.currency, o.total_minor, o.version, o.created_at, o.carrier, o.carrier_cutoff, o.shipment_id, o.shipped_at,"
    " c.code, c.name, c.sales_rep_id,"
    " (SELECT coalesce(json_agg(json_build_array(l.line_no, i.sku, i.description, l.qty, l.unit_price_minor,"
    " l.qty_allocated, l.backordered, l.cancelled, l.qty_shipped) ORDER BY l.line_no), '[]')"
    " FROM sales_order_lines l JOIN items i ON i.id = l.item_id WHERE l.order_id = o.id) AS lines,"
    " (SELECT coalesce(json_agg(json_build_array(a.line_no, loc.code, i.sku, b.lot, a.qty, a.rule, a.reason)"
    " ORDER BY a.id), '[]') FROM allocations a JOIN stock_balances b ON b.id = a.balance_id"
    " JOIN locations loc ON loc.id = b.location_id JOIN items i ON i.id = b.item_id WHERE a.order_id = o.id)"
    " AS allocations"
    " FROM sales_orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1"
)


def status_event(view: Mapping[str, Any]) -> OrderStatusChanged:
    """The ``order.status_changed`` event carrying the order's view."""
    return OrderStatusChanged(
        warehouse=view["warehouse"],
        entity_id=view["number"],
        version=view["version"],
        data=view,
        sales_rep_id=view["sales_rep_id"],
    )


async def load_view(db: AsyncSession, order_id: int) -> dict[str, Any]:
    """The order's current state (also the ``data`` of its ``order.status_changed`` event)."""
    row = await (await pg(db)).fetchrow(_ORDER, order_id)
    if row is None:
        raise NotFound("order.not_found", f"No order {order_id}")
    return _view(row)


# The order's new status written and its view read in one round trip: the view's own query reads the
# snapshot from before the update, so the status and version come from what the update returned.
_MOVE_AND_VIEW = (
    "WITH moved AS (UPDATE sales_orders SET status = $2, version = version + $3 WHERE id = $1"
    " RETURNING status AS new_status, version AS new_version)"
    " SELECT v.*, moved.* FROM (" + _ORDER + ") v CROSS JOIN moved"
)


async def move_and_view(db: AsyncSession, order_id: int, status: OrderStatus, *, transitions: int) -> dict[str, Any]:
    """Set the (locked) order's ``status``, ``transitions`` steps on from its current one (already checked
    by the caller), and return its new view."""
    row = await (await pg(db)).fetchrow(_MOVE_AND_VIEW, order_id, str(status), transitions)
    if row is None:
        raise NotFound("order.not_found", f"No order {order_id}")
    return _view({**dict(row), "status": row["new_status"], "version": row["new_version"]})


def _view(row: Mapping[str, Any]) -> dict[str, Any]:
    held: dict[int, list[dict[str, Any]]] = {}
    for line_no, loc, sku, lot, qty, rule, reason in row["allocations"]:
        held.setdefault(line_no, []).append(
            {"location": loc, "sku": sku, "lot": lot, "qty": int(qty), "rule": rule, "reason": reason}
        )
    lines = [
        {
            "line_no": n,
            "sku": sku,
            "description": desc,
            "qty": int(qty),
            "unit_price": {"amount": int(price), "currency": row["currency"]},
            "allocated": int(allocated),
            "backordered": int(backordered),
            "cancelled": cancelled,
            "shipped": int(shipped),
            "allocations": held.get(n, []),
        }
        for n, sku, desc, qty, price, allocated, backordered, cancelled, shipped in row["lines"]
    ]
    return {
        "number": row["number"],
        "warehouse": row["warehouse"],
        "customer": row["code"],
        "customer_name": row["name"],
        "sales_rep_id": row["sales_rep_id"],
        "status": row["status"],
        "status_reason": row["status_reason"],
        **allowed_changes(OrderStatus(row["status"])),
        "requested_date": row["requested_date"].isoformat(),
        "ship_complete": row["ship_complete"],
        "priority": row["priority"],
        "total": {"amount": int(row["total_minor"]), "currency": row["currency"]},
        "version": int(row["version"]),
        "created_at": row["created_at"].isoformat(),
        "carrier": row["carrier"],
        "carrier_cutoff": row["carrier_cutoff"].isoformat() if row["carrier_cutoff"] else None,
        "shipment": row["shipment_id"],
        "shipped_at": row["shipped_at"].isoformat() if row["shipped_at"] else None,
        "lines": lines,
    }


def placed_view(
    order: SalesOrder,
    customer: Customer,
    *,
    decision: OrderAllocation,
    written: Mapping[str, Any],
    sales_rep_id: int | None,
    carrier: str | None,
    descriptions: Mapping[str, str],
) -> dict[str, Any]:
    """What ``load_view`` would read back for an order just placed and allocated, from what the
    command has in hand (``written``: the version, creation time and cut-off the allocation wrote),
    so that placing an order does not read it again while holding its items' locks."""
    held: dict[int, list[dict[str, Any]]] = {}
    for a in decision.allocations:
        held.setdefault(a.line_no, []).append(
            {"location": a.key.location, "sku": a.key.item, "lot": a.key.lot, "qty": a.qty, "rule": a.rule,
             "reason": a.reason[:500]}
        )
    outcome = {line.line_no: line for line in decision.lines}
    return {
        "number": order.id,
        "warehouse": order.warehouse,
        "customer": customer.id,
        "customer_name": customer.name,
        "sales_rep_id": sales_rep_id,
        "status": str(decision.status),
        "status_reason": decision.reason[:500],
        **allowed_changes(decision.status),
        "requested_date": order.requested_date.isoformat(),
        "ship_complete": order.ship_complete,
        "priority": order.priority,
        "total": {"amount": order.total.amount, "currency": order.currency},
        "version": written["version"],
        "created_at": written["created_at"].isoformat(),
        "carrier": carrier,
        "carrier_cutoff": written["carrier_cutoff"].isoformat() if written["carrier_cutoff"] else None,
        "shipment": None,
        "shipped_at": None,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "description": descriptions[line.sku],
                "qty": line.qty,
                "unit_price": {"amount": line.unit_price.amount, "currency": order.currency},
                "allocated": outcome[line.line_no].allocated,
                "backordered": backordered(decision, outcome[line.line_no]),
                "cancelled": False,
                "shipped": 0,
                "allocations": held.get(line.line_no, []),
            }
            for line in order.lines
        ],
    }
