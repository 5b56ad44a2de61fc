"""Inventory truth: balances per (location, item, lot, status) and the append-only movement ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.errors import Broken, Conflict, Invalid, Rejected
from domain.items import require_quantity


class StockStatus(StrEnum):
    AVAILABLE = "available"
    QUARANTINED = "quarantined"
    DAMAGED = "damaged"


NO_LOT = ""  # an item that is not lot tracked keeps its stock under the empty lot


@dataclass(frozen=True, order=True)
class StockKey:
    """Identity of one balance; sortable so rows can be locked in one fixed order."""

    location: str
    item: str
    lot: str = NO_LOT
    status: StockStatus = StockStatus.AVAILABLE


def key_facts(key: StockKey) -> dict[str, str]:
    """A key as plain strings, for error details and event data."""
    # "stock_status", not "status": error details go into a problem document, whose "status" is HTTP's.
    return {"location": key.location, "item": key.item, "lot": key.lot, "stock_status": str(key.status)}


@dataclass(frozen=True)
class Balance:
    """On hand and allocated in base units; ``version`` goes up by one per applied movement."""

    on_hand: int = 0
    allocated: int = 0
    version: int = 0

    @property
    def free(self) -> int:
        """What is on hand and not promised to an order."""
        return self.on_hand - self.allocated


class MovementReason(StrEnum):
    RECEIPT = "receipt"
    MOVE = "move"
    STATUS_CHANGE = "status_change"
    ALLOCATE = "allocate"
    DEALLOCATE = "deallocate"
    PICK = "pick"
    SHIP = "ship"
    ADJUST_COUNT = "adjust.count"
    ADJUST_FOUND = "adjust.found"
    ADJUST_LOST = "adjust.lost"
    ADJUST_SCRAP = "adjust.scrap"
    ADJUST_CORRECTION = "adjust.correction"
    RETURN = "return"  # a customer's goods back in the building
    TRANSFER_OUT = "transfer.out"  # leaving for another warehouse of ours
    TRANSFER_IN = "transfer.in"  # arriving from another warehouse of ours


ADJUSTMENT_REASONS = frozenset(r for r in MovementReason if r.startswith("adjust."))


@dataclass(frozen=True)
class Origin:
    """Who caused a movement, from which device, under which document (order, PO, count...)."""

    source_document: str
    user: str
    device: str | None = None


@dataclass(frozen=True)
class Movement:
    """One append-only ledger entry against one balance."""

    key: StockKey
    delta_on_hand: int
    delta_allocated: int
    reason: MovementReason
    origin: Origin

    def __post_init__(self) -> None:
        for delta in (self.delta_on_hand, self.delta_allocated):
            if isinstance(delta, bool) or not isinstance(delta, int):
                raise Invalid("quantity.not_whole", f"Deltas must be whole, got {delta!r}")
        if self.delta_on_hand == 0 and self.delta_allocated == 0:
            raise Invalid("stock.empty_movement", "A movement must change something")


def apply(balance: Balance, movement: Movement) -> Balance:
    """Return the balance after ``movement``, refusing anything that breaks 0 <= allocated <= on_hand."""
    on_hand = balance.on_hand + movement.delta_on_hand
    allocated = balance.allocated + movement.delta_allocated
    where = movement.key.location
    if on_hand < 0:
        code, message = "stock.insufficient", f"Only {balance.on_hand} on hand at {where}"
    elif allocated < 0:
        code, message = "stock.over_deallocated", f"Only {balance.allocated} allocated at {where}"
    elif allocated > on_hand:
        code, message = "stock.insufficient", f"Only {balance.free} free at {where}"
    else:
        return Balance(on_hand=on_hand, allocated=allocated, version=balance.version + 1)
    raise Conflict(
        code,
        message,
        **key_facts(movement.key),
        on_hand=balance.on_hand,
        allocated=balance.allocated,
        delta_on_hand=movement.delta_on_hand,
        delta_allocated=movement.delta_allocated,
    )


def apply_many(balances: Mapping[StockKey, Balance], movements: Iterable[Movement]) -> dict[StockKey, Balance]:
    """Apply movements in order across balances; all or nothing (the input is never changed)."""
    result = dict(balances)
    for movement in movements:
        result[movement.key] = apply(result.get(movement.key, Balance()), movement)
    return result


def receive(key: StockKey, qty: int, *, origin: Origin) -> Movement:
    """Stock arriving at a location (dock or direct putaway)."""
    return Movement(key, require_quantity(qty, what="Received quantity"), 0, MovementReason.RECEIPT, origin)


def book_in(key: StockKey, qty: int, *, reason: MovementReason, origin: Origin) -> Movement:
    """Stock arriving from a customer return or another warehouse (``receive`` is for suppliers)."""
    if reason not in (MovementReason.RETURN, MovementReason.TRANSFER_IN):
        raise Invalid("stock.invalid_arrival_reason", f"{reason} is not an arrival from a return or a transfer")
    return Movement(key, require_quantity(qty, what="Booked-in quantity"), 0, reason, origin)


def adjust(key: StockKey, delta: int, *, reason: MovementReason, origin: Origin) -> Movement:
    """A counted or written-off difference; ``reason`` must be one of ``ADJUSTMENT_REASONS``."""
    if reason not in ADJUSTMENT_REASONS:
        raise Invalid("stock.invalid_adjustment_reason", f"{reason} is not an adjustment reason")
    return Movement(key, delta, 0, reason, origin)


def move(
    key: StockKey,
    qty: int,
    *,
    origin: Origin,
    to_location: str | None = None,
    to_status: StockStatus | None = None,
) -> tuple[Movement, Movement]:
    """Move free stock to another location and/or status; returns (out, in)."""
    target = replace(key, location=to_location or key.location, status=to_status or key.status)
    if target == key:
        raise Rejected("stock.move_to_same", f"{key.location} is already where the stock is")
    reason = MovementReason.MOVE if target.location != key.location else MovementReason.STATUS_CHANGE
    qty = require_quantity(qty, what="Moved quantity")
    return Movement(key, -qty, 0, reason, origin), Movement(target, qty, 0, reason, origin)


def allocate(key: StockKey, qty: int, *, origin: Origin) -> Movement:
    """Promise free stock to an order."""
    return Movement(key, 0, require_quantity(qty, what="Allocated quantity"), MovementReason.ALLOCATE, origin)


def deallocate(key: StockKey, qty: int, *, origin: Origin) -> Movement:
    """Release a promise; the stock becomes free again."""
    return Movement(key, 0, -require_quantity(qty, what="Deallocated quantity"), MovementReason.DEALLOCATE, origin)


def pick(key: StockKey, qty: int, *, to_location: str, origin: Origin) -> tuple[Movement, Movement]:
    """Take allocated stock to a staging location; it stays allocated to the order until shipped."""
    if to_location == key.location:
        raise Rejected("stock.move_to_same", f"Cannot pick {key.location} into itself")
    qty = require_quantity(qty, what="Picked quantity")
    return (
        Movement(key, -qty, -qty, MovementReason.PICK, origin),
        Movement(replace(key, location=to_location), qty, qty, MovementReason.PICK, origin),
    )


def ship(key: StockKey, qty: int, *, origin: Origin, reason: MovementReason = MovementReason.SHIP) -> Movement:
    """Allocated stock leaving the building: to a customer, or to another warehouse (``TRANSFER_OUT``)."""
    if reason not in (MovementReason.SHIP, MovementReason.TRANSFER_OUT):
        raise Invalid("stock.invalid_departure_reason", f"{reason} is not a shipment")
    qty = require_quantity(qty, what="Shipped quantity")
    return Movement(key, -qty, -qty, reason, origin)


def replay(movements: Iterable[Movement]) -> Balance:
    """The balance a ledger adds up to, applying every rule on the way."""
    balance = Balance()
    for movement in movements:
        balance = apply(balance, movement)
    return balance


def check_ledger(key: StockKey, balance: Balance, movements: Iterable[Movement]) -> None:
    """Raise ``stock.ledger_mismatch`` unless ``balance`` equals the sum of the key's movements."""
    on_hand = allocated = 0
    for movement in movements:
        if movement.key == key:
            on_hand += movement.delta_on_hand
            allocated += movement.delta_allocated
    if (on_hand, allocated) != (balance.on_hand, balance.allocated):
        raise Broken(
            "stock.ledger_mismatch",
            f"Balance at {key.location} is {balance.on_hand}/{balance.allocated}, ledger says {on_hand}/{allocated}",
            **key_facts(key),
        )
