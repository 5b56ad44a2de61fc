"""Allocation: which stock each order line gets, decided by walking tables of named rules.

Every pick names the rule that chose it over the next best stock, so a supervisor can see why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from domain import stock
from domain.customers import Customer
from domain.errors import DomainError
from domain.items import Item, require_quantity
from domain.locations import PICKABLE_KINDS, LocationKind
from domain.orders import OrderLine, OrderStatus, SalesOrder, transition
from domain.stock import Balance, Movement, Origin, StockKey, StockStatus

ALLOCATABLE = frozenset({OrderStatus.DRAFT, OrderStatus.BACKORDERED, OrderStatus.PARTIALLY_ALLOCATED})
DEALLOCATABLE = frozenset({OrderStatus.ALLOCATED, OrderStatus.PARTIALLY_ALLOCATED, OrderStatus.ON_HOLD})
BATCH_ORDER = ("priority_tier", "requested_date", "order_age")


@dataclass(frozen=True)
class Candidate:
    """A balance allocation may draw from, with the facts the rules need."""

    key: StockKey
    balance: Balance
    location_kind: LocationKind
    received_on: date
    expires_on: date | None = None
    pick_sequence: int = 0


@dataclass(frozen=True)
class Pick:
    """``qty`` of ``key`` promised to a line, with the rule that chose it and why."""

    line_no: int
    key: StockKey
    qty: int
    rule: str
    reason: str


@dataclass(frozen=True)
class Skip:
    """A balance a rule kept away from a line."""

    key: StockKey
    rule: str
    reason: str


@dataclass(frozen=True)
class LineAllocation:
    """The decision for one line: new picks on top of what was allocated before, and what waits."""

    line_no: int
    sku: str
    requested: int
    previously_allocated: int
    picks: tuple[Pick, ...]
    backordered: int
    skipped: tuple[Skip, ...] = ()
    note: str = ""

    @property
    def allocated(self) -> int:
        """Total allocated to the line after this decision."""
        return self.previously_allocated + sum(p.qty for p in self.picks)


@dataclass(frozen=True)
class OrderAllocation:
    """The decision for one order and the status it leads to."""

    order_id: str
    status: OrderStatus
    reason: str
    lines: tuple[LineAllocation, ...]

    @property
    def picks(self) -> tuple[Pick, ...]:
        """All new picks of the order."""
        return tuple(p for line in self.lines for p in line.picks)

    def movements(self, *, user: str, device: str | None = None) -> tuple[Movement, ...]:
        """Ledger entries that raise ``allocated`` for each new pick."""
        origin = Origin(self.order_id, user, device)
        return tuple(stock.allocate(p.key, p.qty, origin=origin) for p in self.picks)


class _Option(NamedTuple):
    candidate: Candidate
    free: int


@dataclass(frozen=True)
class _Context:
    item: Item
    customer: Customer
    today: date
    remaining: int


@dataclass(frozen=True)
class EligibilityRule:
    """``rejects`` says why an option may not be used for the line, or None if it may."""

    name: str
    rejects: Callable[[_Option, _Context], str | None]


@dataclass(frozen=True)
class RankingRule:
    """Lower ``key`` is better; ``explain(winner, runner_up, ctx)`` says why it won on this rule."""

    name: str
    key: Callable[[_Option, _Context], Any]
    explain: Callable[[_Option, _Option, _Context], str]


def _available_status(o: _Option, ctx: _Context) -> str | None:
    status = o.candidate.key.status
    if status is StockStatus.AVAILABLE:
        return None
    return f"stock is {status}; only available stock is allocated"


def _pickable_location(o: _Option, ctx: _Context) -> str | None:
    kind = o.candidate.location_kind
    return None if kind in PICKABLE_KINDS else f"{kind} locations are not picked from"


def _has_free_stock(o: _Option, ctx: _Context) -> str | None:
    return None if o.free > 0 else f"nothing free ({o.candidate.balance.on_hand} on hand, all allocated)"


def _not_expired(o: _Option, ctx: _Context) -> str | None:
    expires = o.candidate.expires_on
    if expires is None or expires > ctx.today:
        return None
    return f"lot {o.candidate.key.lot} expired on {expires}"


def _min_shelf_life(o: _Option, ctx: _Context) -> str | None:
    expires, needed = o.candidate.expires_on, ctx.customer.min_remaining_shelf_life_days
    if expires is None or (expires - ctx.today).days >= needed:
        return None
    days = (expires - ctx.today).days
    return f"lot {o.candidate.key.lot} has {days} days left, {ctx.customer.name} needs {needed}"


ELIGIBILITY_RULES: tuple[EligibilityRule, ...] = (
    EligibilityRule("available_status_only", _available_status),
    EligibilityRule("pickable_location", _pickable_location),
    EligibilityRule("free_stock_only", _has_free_stock),
    EligibilityRule("not_expired", _not_expired),
    EligibilityRule("min_remaining_shelf_life", _min_shelf_life),
)


def _fefo_key(o: _Option, ctx: _Context) -> date:
    # Items without lots have no expiry to rotate by, so this rule never decides for them.
    return (o.candidate.expires_on or date.max) if ctx.item.lot_tracked else date.max


def _fewest_key(o: _Option, ctx: _Context) -> tuple[int, int]:
    # One balance covering the line is best; failing that, the biggest takes fewest stops.
    return (0, 0) if o.free >= ctx.remaining else (1, -o.free)


def _explain_fewest(w: _Option, r: _Option, ctx: _Context) -> str:
    if w.free >= ctx.remaining:
        return f"{w.candidate.key.location} covers all {ctx.remaining} from one location"
    return f"{w.candidate.key.location} holds {w.free}, more than {r.candidate.key.location} ({r.free})"


# Strict FEFO comes first: shipping a later lot while an earlier one ages is the costly mistake.
# Pick faces come before reserve because reserve is rotated into them by replenishment.
RANKING_RULES: tuple[RankingRule, ...] = (
    RankingRule("fefo", _fefo_key, lambda w, r, ctx: f"lot {w.candidate.key.lot} expires "
                f"{w.candidate.expires_on}, before lot {r.candidate.key.lot} ({r.candidate.expires_on})"),
    RankingRule("pick_face_first", lambda o, ctx: o.candidate.location_kind is not LocationKind.PICK_FACE,
                lambda w, r, ctx: f"{w.candidate.key.location} is a pick face, "
                f"{r.candidate.key.location} is reserve"),
    RankingRule("fewest_locations", _fewest_key, _explain_fewest),
    RankingRule("fifo", lambda o, ctx: o.candidate.received_on,
                lambda w, r, ctx: f"received {w.candidate.received_on}, before {r.candidate.received_on}"),
    RankingRule("pick_path", lambda o, ctx: (o.candidate.pick_sequence, o.candidate.key),
                lambda w, r, ctx: f"{w.candidate.key.location} comes first on the pick path"),
)


def _decide(winner: _Option, runner_up: _Option | None, ctx: _Context) -> tuple[str, str]:
    if runner_up is None:
        return "only_source", f"only eligible stock of {ctx.item.sku}"
    for rule in RANKING_RULES:
        if rule.key(winner, ctx) != rule.key(runner_up, ctx):
            return rule.name, rule.explain(winner, runner_up, ctx)
    raise AssertionError("pick_path ranks by StockKey, so two distinct options always differ")


def _from_item(
    item: Item, qty: int, *, line_no: int, customer: Customer, today: date,
    candidates: Sequence[Candidate], pool: dict[StockKey, int],
) -> tuple[list[Pick], list[Skip], int]:
    """Walk the rules for ``qty`` of ``item``, drawing down ``pool``; returns picks, skips, remainder."""
    ctx = _Context(item, customer, today, qty)
    options: list[_Option] = []
    skipped: list[Skip] = []
    for candidate in candidates:
        option = _Option(candidate, pool[candidate.key])
        refusal = next(((r.name, why) for r in ELIGIBILITY_RULES if (why := r.rejects(option, ctx))), None)
        if refusal:
            skipped.append(Skip(candidate.key, *refusal))
        else:
            options.append(option)
    picks: list[Pick] = []
    while ctx.remaining:
        live = [o._replace(free=pool[o.candidate.key]) for o in options if pool[o.candidate.key] > 0]
        if not live:
            break
        live.sort(key=lambda o: [r.key(o, ctx) for r in RANKING_RULES])
        rule, reason = _decide(live[0], live[1] if len(live) > 1 else None, ctx)
        take = min(live[0].free, ctx.remaining)
        pool[live[0].candidate.key] -= take
        picks.append(Pick(line_no, live[0].candidate.key, take, rule, reason))
        ctx = replace(ctx, remaining=ctx.remaining - take)
    return picks, skipped, ctx.remaining


def _item(items: Mapping[str, Item], sku: str) -> Item:
    if sku not in items:
        raise DomainError("item.unknown", f"No item {sku}", status=422, sku=sku)
    return items[sku]


def _allocate_line(
    line: OrderLine, previously: int, *, customer: Customer, items: Mapping[str, Item], today: date,
    by_item: Mapping[str, Sequence[Candidate]], pool: dict[StockKey, int],
) -> LineAllocation:
    item = _item(items, line.sku)
    picks, skipped, remaining = _from_item(
        item, max(line.qty - previously, 0), line_no=line.line_no, customer=customer, today=today,
        candidates=by_item.get(item.sku, ()), pool=pool,
    )
    note = ""
    if remaining and item.substitutes and not customer.accepts_substitutes:
        note = f"{customer.name} does not accept substitutes"
    for sub in item.substitutes if customer.accepts_substitutes else ():
        if not remaining:
            break
        short = remaining
        sub_picks, _, remaining = _from_item(
            _item(items, sub), short, line_no=line.line_no, customer=customer, today=today,
            candidates=by_item.get(sub, ()), pool=pool,
        )
        why = f"{item.sku} short by {short}; {sub} is an allowed substitute the customer accepts"
        picks += [replace(p, rule="substitution", reason=f"{why} ({p.rule}: {p.reason})") for p in sub_picks]
    if remaining:
        note = "; ".join(filter(None, [f"short by {remaining}, backordered", note]))
    return LineAllocation(line.line_no, line.sku, line.qty, previously, tuple(picks), remaining,
                          tuple(skipped), note)


def _status(lines: Iterable[tuple[int, int]]) -> OrderStatus:
    pairs = list(lines)  # (requested, allocated)
    if all(allocated >= requested for requested, allocated in pairs):
        return OrderStatus.ALLOCATED
    if not any(allocated for _, allocated in pairs):
        return OrderStatus.BACKORDERED
    return OrderStatus.PARTIALLY_ALLOCATED


def allocation_status(order: SalesOrder, picks: Iterable[Pick]) -> OrderStatus:
    """The allocation outcome (allocated/partially/backordered) an order's lines and picks add up to."""
    held: dict[int, int] = {}
    for p in picks:
        held[p.line_no] = held.get(p.line_no, 0) + p.qty
    return _status((line.qty, held.get(line.line_no, 0)) for line in order.lines)


def batch_rank(order: SalesOrder, customer: Customer) -> tuple[Any, ...]:
    """Sort key of ``BATCH_ORDER``: priority tier (order override first), requested date, order age."""
    tier = customer.priority_tier if order.priority is None else order.priority
    return (tier, order.requested_date, order.created_at, order.id)


def _allocate(
    order: SalesOrder, customer: Customer, existing: Sequence[Pick], *, items: Mapping[str, Item],
    by_item: Mapping[str, Sequence[Candidate]], pool: dict[StockKey, int], today: date,
) -> OrderAllocation:
    if order.status not in ALLOCATABLE:
        raise DomainError("order.not_allocatable", f"Order {order.id} is {order.status}", order=order.id)
    if customer.id != order.customer_id:
        raise DomainError("order.wrong_customer", f"Order {order.id} is not {customer.id}'s", status=422)
    trial = dict(pool)  # ship-complete may throw the whole attempt away
    lines = tuple(
        _allocate_line(line, sum(p.qty for p in existing if p.line_no == line.line_no),
                       customer=customer, items=items, today=today, by_item=by_item, pool=trial)
        for line in order.lines
    )
    short = [line for line in lines if line.backordered]
    if short and order.ship_complete:
        why = f"ship complete: line {short[0].line_no} is short by {short[0].backordered}, nothing allocated"
        lines = tuple(replace(line, picks=(), backordered=max(line.requested - line.previously_allocated, 0),
                              note=why) for line in lines)
        reason = why
    else:
        pool.update(trial)
        reason = (f"{len(short)} of {len(lines)} lines short, remainder backordered" if short
                  else "all lines allocated")
    status = _status((line.requested, line.allocated) for line in lines)
    if status != order.status:
        transition(order.status, status)
    return OrderAllocation(order.id, status, reason, lines)


def allocate_batch(
    orders: Iterable[SalesOrder], *, customers: Mapping[str, Customer], items: Mapping[str, Item],
    candidates: Iterable[Candidate], today: date, existing: Mapping[str, Sequence[Pick]] | None = None,
) -> tuple[OrderAllocation, ...]:
    """Allocate orders in ``BATCH_ORDER`` from one shared pool, so no stock is promised twice."""
    pool: dict[StockKey, int] = {}
    by_item: dict[str, list[Candidate]] = {}
    for c in candidates:
        if c.key in pool:
            raise DomainError("allocation.duplicate_candidate", f"{c.key} listed twice", status=422)
        pool[c.key] = c.balance.free
        by_item.setdefault(c.key.item, []).append(c)
    ranked = sorted(orders, key=lambda o: batch_rank(o, customers[o.customer_id]))
    return tuple(
        _allocate(o, customers[o.customer_id], (existing or {}).get(o.id, ()), items=items, by_item=by_item,
                  pool=pool, today=today)
        for o in ranked
    )


def allocate_order(
    order: SalesOrder, customer: Customer, *, items: Mapping[str, Item], candidates: Iterable[Candidate],
    today: date, existing: Sequence[Pick] = (),
) -> OrderAllocation:
    """Allocate one order; ``existing`` are picks it already holds (a backorder being refilled)."""
    return allocate_batch([order], customers={customer.id: customer}, items=items, candidates=candidates,
                          today=today, existing={order.id: existing})[0]


@dataclass(frozen=True)
class Deallocation:
    """Picks released, picks the order keeps, and the movements that lower ``allocated``."""

    released: tuple[Pick, ...]
    remaining: tuple[Pick, ...]
    movements: tuple[Movement, ...]


def deallocate_line(
    order: SalesOrder, line_no: int, *, picks: Sequence[Pick], origin: Origin, qty: int | None = None
) -> Deallocation:
    """Release ``qty`` of a line (all when None, e.g. cancelled); newest picks go first, the best stay."""
    order.line(line_no)
    if order.status not in DEALLOCATABLE:
        raise DomainError("order.not_deallocatable", f"Order {order.id} is {order.status}", order=order.id)
    held = [p for p in picks if p.line_no == line_no]
    total = sum(p.qty for p in held)
    left = total if qty is None else require_quantity(qty, what="Quantity to release")
    if left > total:
        raise DomainError("allocation.release_exceeds", f"Line {line_no} holds only {total}", held=total)
    released: list[Pick] = []
    kept: list[Pick] = []
    for p in reversed(held):
        take = min(p.qty, left)
        left -= take
        released += [replace(p, qty=take)] if take else []
        kept += [replace(p, qty=p.qty - take)] if p.qty > take else []
    others = tuple(p for p in picks if p.line_no != line_no)
    return Deallocation(
        tuple(released), others + tuple(reversed(kept)),
        tuple(stock.deallocate(p.key, p.qty, origin=origin) for p in released),
    )
