"""Allocating orders that exist: load them, lock their items, let domain/ decide, write and emit.
Placing an order allocates through ``allocate_locked`` too, without reading back what it just wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders
from domain.allocation import OrderAllocation
from domain.customers import Customer, Money
from domain.events import Event
from domain.orders import Allocation, OrderStatus, SalesOrder
from server.auth.tokens import Principal
from server.db import pg
from server.outbox import emit_many
from server.services import catalog
from server.services.allocation import (
    OrderRecord,
    allocate,
    domain_item,
    existing_allocations,
    order_line,
    write_decisions,
)
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items, lock_orders
from server.services.order_views import load_view, status_event
from server.services.stock_events import atp_events


async def load_records(db: AsyncSession, order_ids: list[int]) -> list[OrderRecord]:
    """Orders in their domain form, for allocation."""
    rows = await (await pg(db)).fetch(
        "SELECT o.id, o.number, o.warehouse, o.status, o.requested_date, o.created_at, o.currency,"
        " o.ship_complete, o.priority, o.version, c.code, c.name, c.priority_tier, c.credit_limit_minor,"
        " c.currency, c.min_shelf_life_days, coalesce(c.price_list_id, 0), c.accepts_substitutes,"
        " array_agg(l.line_no ORDER BY l.line_no), array_agg(i.sku ORDER BY l.line_no),"
        " array_agg(l.qty ORDER BY l.line_no), array_agg(l.unit_price_minor ORDER BY l.line_no),"
        " array_agg(l.item_id ORDER BY l.line_no)"
        " FROM sales_orders o JOIN customers c ON c.id = o.customer_id"
        " JOIN sales_order_lines l ON l.order_id = o.id AND NOT l.cancelled JOIN items i ON i.id = l.item_id"
        " WHERE o.id = ANY($1::bigint[]) GROUP BY o.id, c.id ORDER BY o.id",
        order_ids,
    )
    records = []
    for (
        id_,
        number,
        wh,
        status,
        rd,
        created,
        cur,
        sc,
        prio,
        version,
        code,
        name,
        tier,
        limit,
        ccur,
        shelf,
        pl,
        subs,
        nos,
        skus,
        qtys,
        prices,
        item_ids,
    ) in rows:
        customer = Customer(code, name, tier, Money(limit, ccur), str(pl), shelf, subs)
        lines = tuple(order_line(n, s, q, p, cur) for n, s, q, p in zip(nos, skus, qtys, prices, strict=True))
        order = SalesOrder(number, code, wh, OrderStatus(status), lines, rd, created, cur, sc, prio, version)
        records.append(OrderRecord(int(id_), order, customer, dict(zip(nos, item_ids, strict=True))))
    return records


async def allocate_orders(
    db: AsyncSession, principal: Principal, warehouse: str, order_ids: list[int], *, today: date
) -> dict[int, dict[str, Any]]:
    """Allocate (or top up) these orders from one pool, priority customers first; emit the outcome."""
    await lock_orders(db, order_ids)
    records = [r for r in await load_records(db, order_ids) if r.order.status in orders.ALLOCATABLE]
    if not records:
        return {}
    refs = await catalog.items_by_sku(db, sorted({line.sku for r in records for line in r.order.lines}))
    # what the orders already hold changes only under their own locks: read it before the items' locks,
    # which every order for the same items waits on
    existing = await existing_allocations(db, [r.id for r in records])
    outcome = await allocate_locked(
        db, principal, warehouse=warehouse, records=records, items=refs, existing=existing, today=today
    )
    return await order_events(db, [r.id for r in records], also=outcome.atp_changed)


@dataclass(frozen=True, slots=True)
class Allocated:
    """What an allocation wrote."""

    decisions: list[tuple[OrderRecord, OrderAllocation]]
    written: dict[int, asyncpg.Record]  # order id -> its new version, creation time, cut-off
    atp_changed: list[Event]  # the items' stock.changed events, to emit with the orders' own
    refs: dict[str, catalog.ItemRef]  # every item involved, substitutes included


async def allocate_locked(
    db: AsyncSession,
    principal: Principal,
    *,
    warehouse: str,
    records: list[OrderRecord],
    items: dict[str, catalog.ItemRef],
    existing: dict[int, list[Allocation]],
    today: date,
) -> Allocated:
    """Allocate locked orders (with their items and what they already hold) and write the outcome;
    the caller emits the orders' events."""
    substitutes = {s for ref in items.values() for s in ref.substitutes}
    refs = items | (await catalog.items_by_sku(db, sorted(substitutes - set(items))) if substitutes else {})
    item_ids = sorted({ref.id for ref in refs.values()})
    await lock_items(db, warehouse, item_ids)
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, item_ids))
    decisions = allocate(
        records,
        items={sku: domain_item(ref) for sku, ref in refs.items()},
        balances=ledger.held.values(),
        existing=existing,
        today=today,
    )
    written = await write_decisions(db, ledger, decisions, user=principal.username)
    _, atp_changed = await atp_events(
        db, warehouse, item_ids, today=today, names={ref.id: sku for sku, ref in refs.items()}
    )
    return Allocated(decisions, written, atp_changed, refs)


async def order_events(
    db: AsyncSession, order_ids: list[int], *, also: list[Event] | None = None
) -> dict[int, dict[str, Any]]:
    """Emit each order's new state (after ``also``, in one statement); returns the views, which
    callers answer with."""
    views = {order_id: await load_view(db, order_id) for order_id in order_ids}
    await emit_many(db, [*(also or ()), *(status_event(v) for v in views.values())])
    return views

