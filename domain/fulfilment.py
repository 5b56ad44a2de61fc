"""Line quantities that always add up, and split shipments that keep their backorder.

Every unit a line orders is in exactly one place: not yet allocated (``backordered``), promised to
the line (``allocated``), staged for shipping (``picked``), gone with a shipment (``shipped``) or
cancelled. So ``ordered = shipped + backordered + cancelled + allocated + picked`` on every line,
after every operation, and none of them is ever negative. Ship-confirm ships what is picked and keeps
the rest open: a remainder is only closed by cancelling it, never by shipping the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from domain.allocation import batch_rank
from domain.customers import Customer, Money
from domain.errors import Broken, Conflict
from domain.items import require_quantity
from domain.orders import OrderStatus, SalesOrder


@dataclass(frozen=True)
class LineQuantities:
    """Where each unit of one order line is, in base units."""

    ordered: int
    backordered: int
    allocated: int = 0  # promised to the line, not picked yet
    picked: int = 0  # staged, not shipped yet
    shipped: int = 0
    cancelled: int = 0

    def __post_init__(self) -> None:
        counts = {f.name: getattr(self, f.name) for f in fields(self)}
        placed = self.backordered + self.allocated + self.picked + self.shipped + self.cancelled
        if min(counts.values()) < 0 or placed != self.ordered:
            raise Broken("line.quantities_off", f"Line quantities do not add up: {counts}", **counts)

    @classmethod
    def new(cls, ordered: int) -> LineQuantities:
        """A line as captured: everything ordered waits for stock."""
        return cls(ordered=require_quantity(ordered, what="Ordered quantity"), backordered=ordered)

    @property
    def open(self) -> int:
        """Allocated or picked, not shipped yet."""
        return self.allocated + self.picked

    @property
    def remaining(self) -> int:
        """What the customer is still owed: neither shipped nor cancelled."""
        return self.ordered - self.shipped - self.cancelled

    @property
    def closed(self) -> bool:
        """Nothing left to ship."""
        return self.remaining == 0


def _more_than(have: int, qty: int, what: str) -> str:
    return f"{what} {qty} is more than the {have} there is"


def allocate(line: LineQuantities, qty: int) -> LineQuantities:
    """Promise ``qty`` backordered units to the line."""
    qty = require_quantity(qty, what="Quantity to allocate")
    if qty > line.backordered:
        message = _more_than(line.backordered, qty, "Quantity to allocate")
        raise Conflict("line.over_allocated", message, requested=qty, backordered=line.backordered)
    return replace(line, backordered=line.backordered - qty, allocated=line.allocated + qty)


def deallocate(line: LineQuantities, qty: int) -> LineQuantities:
    """Give back ``qty`` allocated units: they wait for stock again (a short pick, a released promise)."""
    qty = require_quantity(qty, what="Quantity to release")
    if qty > line.allocated:
        message = _more_than(line.allocated, qty, "Quantity to release")
        raise Conflict("allocation.release_exceeds", message, requested=qty, held=line.allocated)
    return replace(line, backordered=line.backordered + qty, allocated=line.allocated - qty)


def pick(line: LineQuantities, qty: int) -> LineQuantities:
    """Stage ``qty`` allocated units for shipping."""
    qty = require_quantity(qty, what="Quantity to pick")
    if qty > line.allocated:
        message = _more_than(line.allocated, qty, "Quantity to pick")
        raise Conflict("line.over_picked", message, requested=qty, allocated=line.allocated)
    return replace(line, allocated=line.allocated - qty, picked=line.picked + qty)


def ship(line: LineQuantities) -> LineQuantities:
    """Ship what is picked; allocated and backordered units stay open for a later shipment."""
    return replace(line, picked=0, shipped=line.shipped + line.picked)


def cancel_remainder(line: LineQuantities) -> tuple[LineQuantities, int]:
    """Cancel what has not been picked; returns the line and how many allocated units to release.

    Picked units are already staged and still ship; they cannot be cancelled here.
    """
    released = line.allocated
    cancelled = line.cancelled + line.backordered + line.allocated
    return replace(line, backordered=0, allocated=0, cancelled=cancelled), released


def open_value(line: LineQuantities, unit_price: Money) -> Money:
    """Value the customer still owes for: units neither shipped nor cancelled."""
    return unit_price.times(line.remaining)


# --- whole orders -------------------------------------------------------------------------------


Lines = Mapping[int, LineQuantities]  # by line number


def can_release(lines: Lines, *, ship_complete: bool) -> bool:
    """May the order go to the floor now? Ship-complete orders wait until every open unit is allocated."""
    if not any(q.allocated for q in lines.values()):
        return False
    return not ship_complete or all(q.backordered == 0 for q in lines.values())


def can_ship(lines: Lines, *, ship_complete: bool) -> bool:
    """May ship-confirm go ahead? Something is picked, and, when ship complete, everything still owed is."""
    if not any(q.picked for q in lines.values()):
        return False
    return not ship_complete or all(q.picked == q.remaining for q in lines.values())


def status_of(lines: Lines) -> OrderStatus:
    """The status open lines add up to: shipped when all are closed, else how much stock they hold."""
    if all(q.closed for q in lines.values()):
        shipped = any(q.shipped for q in lines.values())
        return OrderStatus.SHIPPED if shipped else OrderStatus.CANCELLED
    owed = [q for q in lines.values() if not q.closed]
    if all(q.backordered == 0 for q in owed):
        return OrderStatus.ALLOCATED
    if any(q.open for q in owed):
        return OrderStatus.PARTIALLY_ALLOCATED
    return OrderStatus.BACKORDERED


@dataclass(frozen=True)
class ShipmentDecision:
    """What one ship-confirm ships per line, the lines after it, and the order's next status."""

    shipped: Mapping[int, int]  # line number -> units in this shipment
    lines: Mapping[int, LineQuantities]
    status: OrderStatus


def ship_order(order: SalesOrder, lines: Lines) -> ShipmentDecision:
    """Ship every picked unit of the order; a remainder stays open (backordered or allocated).

    Refused (``order.ship_complete``) for a ship-complete order that cannot ship everything it owes,
    and (``shipping.nothing_to_ship``) when nothing is picked.
    """
    if not any(q.picked for q in lines.values()):
        raise Conflict("shipping.nothing_to_ship", f"Order {order.id} has nothing picked", order=order.id)
    if not can_ship(lines, ship_complete=order.ship_complete):
        raise Conflict(
            "order.ship_complete", f"Order {order.id} ships complete: pick every line first", order=order.id
        )
    after = {no: ship(q) for no, q in lines.items()}
    shipped = {no: q.picked for no, q in lines.items() if q.picked}
    return ShipmentDecision(shipped=shipped, lines=after, status=status_of(after))


@dataclass(frozen=True)
class Backorder:
    """One line still waiting for stock of ``sku``, with its order and customer for ranking."""

    order: SalesOrder
    customer: Customer
    line_no: int
    sku: str
    backordered: int


def backorder_queue(backorders: Iterable[Backorder]) -> tuple[Backorder, ...]:
    """Waiting lines in the order stock goes to them: order priority (or customer tier), date, age."""
    return tuple(sorted(backorders, key=lambda b: (*batch_rank(b.order, b.customer), b.line_no)))


def share_arrival(sku: str, qty: int, backorders: Sequence[Backorder]) -> tuple[tuple[Backorder, int], ...]:
    """Split ``qty`` arriving units of ``sku`` over its waiting lines, best ranked first.

    Whatever is left once every line is served stays free stock.
    """
    left = require_quantity(qty, what="Arriving quantity")
    shares: list[tuple[Backorder, int]] = []
    for waiting in backorder_queue(b for b in backorders if b.sku == sku and b.backordered):
        take = min(left, waiting.backordered)
        shares.append((waiting, take))
        left -= take
        if not left:
            break
    return tuple(shares)
