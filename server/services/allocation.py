"""Allocation on PostgreSQL: lock, hand the candidates to domain/, write what it decided.

Never oversells: every candidate balance is locked (in id order) before domain/ sees it, and the
balance rows carry CHECK constraints that would refuse an oversell even if a rule were wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from domain import allocation as rules
from domain.allocation import LineAllocation, OrderAllocation
from domain.customers import Customer, Money
from domain.items import Item, UnitOfMeasure
from domain.locations import LocationKind
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder
from domain.stock import StockKey, StockStatus
from server.db import pg
from server.services.catalog import ItemRef
from server.services.ledger import FIRST_FREE_PARAM, StockLedger
from server.services.locking import LockedBalance


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as loaded for allocation: its domain form and the ids behind it."""

    id: int
    order: SalesOrder
    customer: Customer
    line_items: Mapping[int, int]  # line_no -> item id


def domain_item(ref: ItemRef) -> Item:
    return Item(
        sku=ref.sku,
        uoms=tuple(UnitOfMeasure(code, factor) for code, factor in sorted(ref.uoms.items()) if code != "EA"),
        lot_tracked=ref.lot_tracked,
        shelf_life_days=ref.shelf_life_days,
        substitutes=ref.substitutes,
        description=ref.description,
    )


def candidates(balances: Iterable[LockedBalance]) -> list[rules.Candidate]:
    return [
        rules.Candidate(
            key=b.key,
            balance=b.balance,
            location_kind=LocationKind(b.location_kind),
            received_on=b.received_on,
            expires_on=b.expires_on,
            pick_sequence=b.pick_sequence,
        )
        for b in balances
        if b.key.status is StockStatus.AVAILABLE
    ]


async def existing_allocations(db: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[Allocation]]:
    """What each order already holds (a backorder being refilled keeps its earlier stock)."""
    rows = await (await pg(db)).fetch(
        "SELECT a.order_id, a.line_no, l.code, i.sku, b.lot, b.status, a.qty, a.rule, a.reason"
        " FROM allocations a JOIN stock_balances b ON b.id = a.balance_id"
        " JOIN locations l ON l.id = b.location_id JOIN items i ON i.id = b.item_id"
        " WHERE a.order_id = ANY($1::bigint[]) ORDER BY a.id",
        list(order_ids),
    )
    held: dict[int, list[Allocation]] = {order_id: [] for order_id in order_ids}
    for order_id, line_no, loc, sku, lot, status, qty, rule, reason in rows:
        held[order_id].append(Allocation(line_no, StockKey(loc, sku, lot, StockStatus(status)), int(qty), rule, reason))
    return held


async def write_decisions(
    db: AsyncSession,
    ledger: StockLedger,
    decisions: Sequence[tuple[OrderRecord, OrderAllocation]],
    *,
    user: str,
) -> dict[int, asyncpg.Record]:
    """Apply each decision: allocation movements, allocation rows, line quantities and order status,
    in one statement with the ledger's. Returns each order's new version, creation time and carrier cut-off."""
    alloc_rows: list[tuple[int, int, int, int, str, str]] = []
    line_rows: list[tuple[int, int, int, int]] = []
    for record, decision in decisions:
        for movement in decision.movements(user=user, device=str(ledger.device_id) if ledger.device_id else None):
            ledger.apply(movement)
        for a in decision.allocations:
            alloc_rows.append((record.id, a.line_no, ledger.held[a.key].id, a.qty, a.rule, a.reason[:500]))
        for line in decision.lines:
            line_rows.append((record.id, line.line_no, line.allocated, backordered(decision, line)))
    allocations = list(map(list, zip(*alloc_rows, strict=True))) or [[]] * 6
    lines = list(map(list, zip(*line_rows, strict=True))) or [[]] * 4
    assert FIRST_FREE_PARAM == 12  # the numbering below
    written = await ledger.flush_with(
        ", allocated AS (INSERT INTO allocations (order_id, line_no, balance_id, qty, rule, reason)"
        " SELECT * FROM unnest($12::bigint[], $13::int[], $14::bigint[], $15::bigint[], $16::text[], $17::text[])),"
        " line_qty AS (UPDATE sales_order_lines l SET qty_allocated = v.a, backordered = v.b"
        " FROM unnest($18::bigint[], $19::int[], $20::bigint[], $21::bigint[]) AS v(o, n, a, b)"
        " WHERE l.order_id = v.o AND l.line_no = v.n)"
        " UPDATE sales_orders o SET status = v.s, status_reason = v.why, version = o.version + 1"
        " FROM unnest($22::bigint[], $23::text[], $24::text[]) AS v(id, s, why) WHERE o.id = v.id"
        " RETURNING o.id, o.version, o.created_at, o.carrier_cutoff",
        *allocations,
        *lines,
        [record.id for record, _ in decisions],
        [str(decision.status) for _, decision in decisions],
        [decision.reason[:500] for _, decision in decisions],
    )
    return {row["id"]: row for row in written}


def backordered(decision: OrderAllocation, line: LineAllocation) -> int:
    """What a line keeps waiting for after the decision (nothing once the order is cancelled)."""
    if decision.status is OrderStatus.CANCELLED:
        return 0
    return max(line.requested - line.allocated, 0)


def allocate(
    records: Sequence[OrderRecord],
    *,
    items: Mapping[str, Item],
    balances: Iterable[LockedBalance],
    existing: Mapping[int, Sequence[Allocation]],
    today: date,
) -> list[tuple[OrderRecord, OrderAllocation]]:
    """Let domain/ allocate these orders from one shared pool, highest priority first."""
    by_number = {r.order.id: r for r in records}
    decisions = rules.allocate_batch(
        [r.order for r in records],
        customers={r.customer.id: r.customer for r in records},
        items=items,
        candidates=candidates(balances),
        today=today,
        existing={r.order.id: existing.get(r.id, ()) for r in records},
    )
    return [(by_number[d.order_id], d) for d in decisions]


def money(amount: int, currency: str) -> Money:
    return Money(amount, currency)


def order_line(line_no: int, sku: str, qty: int, price: int, currency: str) -> OrderLine:
    return OrderLine(line_no, sku, qty, Money(price, currency))
