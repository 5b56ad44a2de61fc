"""Sales orders and the one table that says which status may follow which."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain import stock
from domain.customers import Money
from domain.errors import Conflict, Invalid, NotFound, Rejected
from domain.items import require_quantity
from domain.stock import Movement, Origin, StockKey


class OrderStatus(StrEnum):
    DRAFT = "draft"
    ON_HOLD = "on_hold"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


S = OrderStatus
_ALLOCATION_OUTCOMES = frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED})

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.DRAFT: _ALLOCATION_OUTCOMES | {S.ON_HOLD, S.CANCELLED},
    # A hold (credit, supervisor) keeps any allocation; releasing it re-runs allocation.
    S.ON_HOLD: _ALLOCATION_OUTCOMES | {S.DRAFT, S.CANCELLED},
    # Allocated orders move between outcomes when lines are deallocated, changed or backfilled.
    S.ALLOCATED: frozenset({S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.RELEASED, S.ON_HOLD, S.CANCELLED}),
    # A partial order may be released to ship what is there (unless ship complete, checked upstream).
    S.PARTIALLY_ALLOCATED: frozenset({S.ALLOCATED, S.BACKORDERED, S.RELEASED, S.ON_HOLD, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.ON_HOLD, S.CANCELLED}),
    # Un-releasing a wave puts the order back to allocated; once picking starts it must finish.
    S.RELEASED: frozenset({S.PICKING, S.ALLOCATED, S.CANCELLED}),
    S.PICKING: frozenset({S.PICKED}),
    # Ship-confirm ships what is picked; a remainder the order still owes keeps it open.
    S.PICKED: frozenset({S.SHIPPED}) | _ALLOCATION_OUTCOMES,
    S.SHIPPED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Orders whose value still counts against the customer's credit.
OPEN_STATUSES = frozenset(set(OrderStatus) - {S.SHIPPED, S.CANCELLED, S.DRAFT})


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True if the table allows ``current`` -> ``target``."""
    return target in TRANSITIONS[current]


def transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    """Return ``target`` if allowed from ``current``, else raise ``order.invalid_transition``."""
    if not can_transition(current, target):
        raise Conflict(
            "order.invalid_transition",
            f"An order that is {current} cannot become {target}",
            current=str(current),
            target=str(target),
        )
    return target


@dataclass(frozen=True)
class OrderLine:
    """A line: ``qty`` in base units of ``sku`` at ``unit_price`` per base unit."""

    line_no: int
    sku: str
    qty: int
    unit_price: Money

    def __post_init__(self) -> None:
        require_quantity(self.qty, what=f"Quantity on line {self.line_no}")

    @property
    def value(self) -> Money:
        """Quantity times unit price."""
        return self.unit_price.times(self.qty)


@dataclass(frozen=True)
class SalesOrder:
    """A sales order. ``priority`` (lower first) overrides the customer's tier for this order only."""

    id: str
    customer_id: str
    warehouse: str
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    requested_date: date
    created_at: datetime
    currency: str
    ship_complete: bool = False
    priority: int | None = None
    version: int = 0

    def __post_init__(self) -> None:
        numbers = [line.line_no for line in self.lines]
        if len(numbers) != len(set(numbers)):
            raise Invalid("order.duplicate_line", f"Order {self.id} repeats a line number")
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise Rejected("money.currency_mismatch", f"Line {line.line_no} is not in {self.currency}")

    def line(self, line_no: int) -> OrderLine:
        """The line numbered ``line_no``; raises ``order.line_not_found``."""
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise NotFound("order.line_not_found", f"Order {self.id} has no line {line_no}")

    @property
    def total(self) -> Money:
        """Sum of line values."""
        total = Money(0, self.currency)
        for line in self.lines:
            total = total + line.value
        return total


def open_order_value(orders: Iterable[SalesOrder], *, currency: str) -> Money:
    """Value of a customer's orders that still count against credit (submitted, not shipped or cancelled)."""
    total = Money(0, currency)
    for order in orders:
        if order.status in OPEN_STATUSES:
            total = total + order.total
    return total


@dataclass(frozen=True)
class Allocation:
    """``qty`` of the balance at ``key`` promised to a line, with the rule that chose it and why."""

    line_no: int
    key: StockKey
    qty: int
    rule: str
    reason: str


def allocation_outcome(order: SalesOrder, allocations: Iterable[Allocation]) -> OrderStatus:
    """What an order's lines and allocations add up to: allocated, partially_allocated or backordered."""
    held: dict[int, int] = {}
    for allocation in allocations:
        held[allocation.line_no] = held.get(allocation.line_no, 0) + allocation.qty
    if all(held.get(line.line_no, 0) >= line.qty for line in order.lines):
        return S.ALLOCATED
    if not any(held.get(line.line_no, 0) for line in order.lines):
        return S.BACKORDERED
    return S.PARTIALLY_ALLOCATED


# Orders allocation may (re)run for; a held order goes back to draft first.
ALLOCATABLE = frozenset({S.DRAFT, S.BACKORDERED, S.PARTIALLY_ALLOCATED})
# Orders whose allocations may be released (once released to the floor, picking owns the stock).
DEALLOCATABLE = frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.ON_HOLD})
# Orders whose lines may still change: before their stock is released to the floor.
CHANGEABLE = ALLOCATABLE | DEALLOCATABLE


def allowed_changes(status: OrderStatus) -> dict[str, bool]:
    """What an order's status still allows a rep: changing lines, cancelling (what the commands check)."""
    return {"can_change": status in CHANGEABLE, "can_cancel": can_transition(status, S.CANCELLED)}


@dataclass(frozen=True)
class Deallocation:
    """Allocations released, allocations the order keeps, and the movements lowering ``allocated``."""

    released: tuple[Allocation, ...]
    remaining: tuple[Allocation, ...]
    movements: tuple[Movement, ...]


def deallocate_line(
    order: SalesOrder,
    line_no: int,
    *,
    allocations: Sequence[Allocation],
    origin: Origin,
    qty: int | None = None,
) -> Deallocation:
    """Release ``qty`` of a line (all when None: line cancelled); newest goes first, the best-ranked stay."""
    order.line(line_no)
    if order.status not in DEALLOCATABLE:
        raise Conflict("order.not_deallocatable", f"Order {order.id} is {order.status}", order=order.id)
    held = [a for a in allocations if a.line_no == line_no]
    total = sum(a.qty for a in held)
    left = total if qty is None else require_quantity(qty, what="Quantity to release")
    if left > total:
        raise Conflict("allocation.release_exceeds", f"Line {line_no} holds only {total}", held=total)
    released: list[Allocation] = []
    kept: list[Allocation] = []
    for a in reversed(held):
        take = min(a.qty, left)
        left -= take
        released += [replace(a, qty=take)] if take else []
        kept += [replace(a, qty=a.qty - take)] if a.qty > take else []
    others = tuple(a for a in allocations if a.line_no != line_no)
    movements = tuple(stock.deallocate(a.key, a.qty, origin=origin) for a in released)
    return Deallocation(tuple(released), others + tuple(reversed(kept)), movements)
