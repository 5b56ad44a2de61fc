"""Allocation: which stock each order line gets, by walking tables of named rules; each says why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from domain import orders, stock
from domain.allocation_rules import ELIGIBILITY_RULES, RANKING_RULES, Candidate, Context, Option, decide
from domain.customers import Customer
from domain.errors import Conflict, Rejected
from domain.items import Item
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder
from domain.stock import Movement, Origin, StockKey

BATCH_ORDER = ("priority_tier", "requested_date", "order_age")


class Skip(NamedTuple):  # a balance a rule kept away from a line, and why
    key: StockKey
    rule: str
    reason: str


@dataclass(frozen=True)
class LineAllocation:
    """The decision for one line: new allocations on top of earlier ones, and what is backordered."""

    line_no: int
    sku: str
    requested: int
    previously_allocated: int
    allocations: tuple[Allocation, ...]
    backordered: int
    skipped: tuple[Skip, ...] = ()
    note: str = ""

    @property
    def allocated(self) -> int:
        """Total allocated to the line after this decision."""
        return self.previously_allocated + sum(a.qty for a in self.allocations)


@dataclass(frozen=True)
class OrderAllocation:
    """The decision for one order and the status it leads to."""

    order_id: str
    status: OrderStatus
    reason: str
    lines: tuple[LineAllocation, ...]

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """All new allocations of the order."""
        return tuple(a for line in self.lines for a in line.allocations)

    def movements(self, *, user: str, device: str | None = None) -> tuple[Movement, ...]:
        """Ledger entries raising ``allocated`` for each new allocation."""
        origin = Origin(self.order_id, user, device)
        return tuple(stock.allocate(a.key, a.qty, origin=origin) for a in self.allocations)


def _walk(
    ctx: Context, line_no: int, candidates: Sequence[Candidate], pool: dict[StockKey, int]
) -> tuple[list[Allocation], list[Skip], int]:
    """Allocate ``ctx.remaining`` of ``ctx.item``, drawing ``pool`` down; returns what was left over."""
    options: list[Option] = []
    skipped: list[Skip] = []
    for candidate in candidates:
        option = Option(candidate, pool[candidate.key])
        refusal = next(((r.name, why) for r in ELIGIBILITY_RULES if (why := r.rejects(option, ctx))), None)
        skipped += [Skip(candidate.key, *refusal)] if refusal else []
        options += [] if refusal else [option]
    chosen: list[Allocation] = []
    while ctx.remaining:
        live = [o._replace(free=pool[o.candidate.key]) for o in options if pool[o.candidate.key] > 0]
        if not live:
            break
        live.sort(key=lambda o: [r.key(o, ctx) for r in RANKING_RULES])
        rule, reason = decide(live, ctx)
        take = min(live[0].free, ctx.remaining)
        pool[live[0].candidate.key] -= take
        chosen.append(Allocation(line_no, live[0].candidate.key, take, rule, reason))
        ctx = replace(ctx, remaining=ctx.remaining - take)
    return chosen, skipped, ctx.remaining


def _item(items: Mapping[str, Item], sku: str) -> Item:
    if sku not in items:
        raise Rejected("item.unknown", f"No item {sku}", sku=sku)
    return items[sku]


def _allocate_line(
    line: OrderLine,
    previously: int,
    *,
    customer: Customer,
    items: Mapping[str, Item],
    today: date,
    by_item: Mapping[str, Sequence[Candidate]],
    pool: dict[StockKey, int],
) -> LineAllocation:
    item = _item(items, line.sku)
    ctx = Context(item, customer, today, max(line.qty - previously, 0))
    chosen, skipped, remaining = _walk(ctx, line.line_no, by_item.get(item.sku, ()), pool)
    notes = []
    if remaining and item.substitutes and not customer.accepts_substitutes:
        notes.append(f"{customer.name} does not accept substitutes")
    for sub in item.substitutes if customer.accepts_substitutes else ():
        if remaining:
            sub_ctx = Context(_item(items, sub), customer, today, remaining)
            subs, _, left = _walk(sub_ctx, line.line_no, by_item.get(sub, ()), pool)
            why = f"{item.sku} short by {remaining}; {sub} is an allowed substitute the customer accepts"
            chosen += [replace(a, rule="substitution", reason=f"{why} ({a.rule}: {a.reason})") for a in subs]
            remaining = left
    if remaining:
        notes.insert(0, f"short by {remaining}, backordered")
    return LineAllocation(
        line.line_no, line.sku, line.qty, previously, tuple(chosen), remaining, tuple(skipped), "; ".join(notes)
    )


def batch_rank(order: SalesOrder, customer: Customer) -> tuple[Any, ...]:
    """Sort key of ``BATCH_ORDER``: priority tier (the order's override first), requested date, age."""
    tier = customer.priority_tier if order.priority is None else order.priority
    return (tier, order.requested_date, order.created_at, order.id)


def _allocate(
    order: SalesOrder,
    customer: Customer,
    existing: Sequence[Allocation],
    *,
    items: Mapping[str, Item],
    by_item: Mapping[str, Sequence[Candidate]],
    pool: dict[StockKey, int],
    today: date,
) -> OrderAllocation:
    if order.status not in orders.ALLOCATABLE:
        raise Conflict("order.not_allocatable", f"Order {order.id} is {order.status}", order=order.id)
    if customer.id != order.customer_id:
        raise Rejected("order.wrong_customer", f"Order {order.id} is not {customer.id}'s")
    trial = dict(pool)  # a ship-complete order may have to give everything back
    lines = tuple(
        _allocate_line(
            line,
            sum(a.qty for a in existing if a.line_no == line.line_no),
            customer=customer,
            items=items,
            today=today,
            by_item=by_item,
            pool=trial,
        )
        for line in order.lines
    )
    short = [line for line in lines if line.backordered]
    if short and order.ship_complete:
        reason = f"ship complete: line {short[0].line_no} short by {short[0].backordered}, nothing allocated"
        lines = tuple(
            replace(line, allocations=(), backordered=line.requested - line.previously_allocated, note=reason)
            for line in lines
        )
    else:
        pool.update(trial)
        reason = f"{len(short)} of {len(lines)} lines short, rest backordered" if short else "all allocated"
    status = orders.allocation_outcome(order, [*existing, *(a for line in lines for a in line.allocations)])
    if status != order.status:
        orders.transition(order.status, status)
    return OrderAllocation(order.id, status, reason, lines)


def allocate_batch(
    batch: Iterable[SalesOrder],
    *,
    customers: Mapping[str, Customer],
    items: Mapping[str, Item],
    candidates: Iterable[Candidate],
    today: date,
    existing: Mapping[str, Sequence[Allocation]] | None = None,
) -> tuple[OrderAllocation, ...]:
    """Allocate orders in ``BATCH_ORDER`` from one shared pool, so no stock is promised twice."""
    pool: dict[StockKey, int] = {}
    by_item: dict[str, list[Candidate]] = {}
    for c in candidates:
        if c.key in pool:
            raise Rejected("allocation.duplicate_candidate", f"{c.key} is listed twice")
        pool[c.key] = c.balance.free
        by_item.setdefault(c.key.item, []).append(c)
    return tuple(
        _allocate(
            o,
            customers[o.customer_id],
            (existing or {}).get(o.id, ()),
            items=items,
            by_item=by_item,
            pool=pool,
            today=today,
        )
        for o in sorted(batch, key=lambda o: batch_rank(o, customers[o.customer_id]))
    )


def allocate_order(
    order: SalesOrder,
    customer: Customer,
    *,
    items: Mapping[str, Item],
    candidates: Iterable[Candidate],
    today: date,
    existing: Sequence[Allocation] = (),
) -> OrderAllocation:
    """Allocate one order; ``existing`` is what it already holds (a backorder being refilled)."""
    return allocate_batch(
        [order],
        customers={customer.id: customer},
        items=items,
        candidates=candidates,
        today=today,
        existing={order.id: existing},
    )[0]
