"""Event data built from domain values (new state, never a diff). The server still builds its events'
``data`` from its views (documented on each catalogue type), not with these builders; and
``allocation.changed`` is not emitted, so it is not in the catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.customers import Money
from domain.events.sales import OrderStatusChanged, StockChanged
from domain.orders import Allocation, SalesOrder
from domain.stock import Balance, StockKey, key_facts

STOCK_CHANGED = StockChanged.type
ORDER_STATUS_CHANGED = OrderStatusChanged.type
ALLOCATION_CHANGED = "allocation.changed"


def money_data(money: Money) -> dict[str, Any]:
    """An amount as event data carries it: minor units and currency."""
    return {"amount": money.amount, "currency": money.currency}


def stock_entity(key: StockKey) -> str:
    """The envelope's ``entity`` for a balance; stable so clients can key their copies by it."""
    return f"stock:{key.location}|{key.item}|{key.lot}|{key.status}"


def stock_changed(key: StockKey, balance: Balance) -> dict[str, Any]:
    """Data of ``stock.changed``: the balance as it now stands."""
    return {
        **key_facts(key),
        "on_hand": balance.on_hand,
        "allocated": balance.allocated,
        "free": balance.free,
        "version": balance.version,
    }


def order_status_changed(order: SalesOrder) -> dict[str, Any]:
    """Data of ``order.status_changed``: the order as it now stands (``order`` carries the new status)."""
    return {
        "order_id": order.id,
        "customer_id": order.customer_id,
        "warehouse": order.warehouse,
        "status": str(order.status),
        "version": order.version,
        "requested_date": order.requested_date.isoformat(),
        "ship_complete": order.ship_complete,
        "total": money_data(order.total),
        "lines": [
            {"line_no": line.line_no, "sku": line.sku, "qty": line.qty, "unit_price": money_data(line.unit_price)}
            for line in order.lines
        ],
    }


def allocation_changed(order: SalesOrder, allocations: Iterable[Allocation]) -> dict[str, Any]:
    """Data of ``allocation.changed``: every allocation the order now holds, line by line."""
    by_line: dict[int, list[Allocation]] = {line.line_no: [] for line in order.lines}
    for allocation in allocations:
        by_line[allocation.line_no].append(allocation)
    lines = []
    for line in order.lines:
        held = by_line[line.line_no]
        allocated = sum(a.qty for a in held)
        lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "qty": line.qty,
                "allocated": allocated,
                "backordered": max(line.qty - allocated, 0),
                "allocations": [{**key_facts(a.key), "qty": a.qty, "rule": a.rule, "reason": a.reason} for a in held],
            }
        )
    return {"order_id": order.id, "status": str(order.status), "version": order.version, "lines": lines}
