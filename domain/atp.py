"""Time-phased available-to-promise for one item in one warehouse, read from balances, never history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.items import require_quantity
from domain.stock import Balance, StockKey, StockStatus


@dataclass(frozen=True)
class AtpBucket:
    """One day on which supply or demand changes.

    ``projected`` is free stock after that day's inbound and demand; ``promisable`` is what a new
    order wanting that day can take without starving later demand (the least projected from then on).
    """

    day: date
    inbound: int
    demand: int
    projected: int
    promisable: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "date": self.day.isoformat(),
            "inbound": self.inbound,
            "demand": self.demand,
            "projected": self.projected,
            "promisable": self.promisable,
        }


@dataclass(frozen=True)
class Atp:
    """ATP for an item in a warehouse as of a day. The first bucket is always ``as_of``."""

    item: str
    warehouse: str
    as_of: date
    on_hand: int
    allocated: int
    available_now: int
    quarantined: int
    damaged: int
    buckets: tuple[AtpBucket, ...]

    def promisable_on(self, day: date) -> int:
        """What can be promised for delivery on ``day`` (0 before ``as_of``)."""
        result = 0
        for bucket in self.buckets:
            if bucket.day > day:
                break
            result = bucket.promisable
        return result

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (dates as ISO strings)."""
        return {
            "item": self.item,
            "warehouse": self.warehouse,
            "as_of": self.as_of.isoformat(),
            "on_hand": self.on_hand,
            "allocated": self.allocated,
            "available_now": self.available_now,
            "quarantined": self.quarantined,
            "damaged": self.damaged,
            "buckets": [b.to_dict() for b in self.buckets],
        }


def _by_day(entries: Iterable[tuple[date, int]], *, today: date, what: str) -> dict[date, int]:
    result: dict[date, int] = {}
    for day, qty in entries:
        # Overdue inbound and past-due demand are still open, so they count from today.
        day = max(day, today)
        result[day] = result.get(day, 0) + require_quantity(qty, what=what)
    return result


def compute_atp(
    item: str,
    warehouse: str,
    *,
    balances: Iterable[tuple[StockKey, Balance]],
    inbound: Iterable[tuple[date, int]],
    demand: Iterable[tuple[date, int]],
    today: date,
) -> Atp:
    """ATP from the warehouse's balances (other items are ignored), open inbound and unallocated demand."""
    on_hand = allocated = quarantined = damaged = 0
    for key, balance in balances:
        if key.item != item:
            continue
        if key.status is StockStatus.AVAILABLE:
            on_hand += balance.on_hand
            allocated += balance.allocated
        elif key.status is StockStatus.QUARANTINED:
            quarantined += balance.on_hand
        else:
            damaged += balance.on_hand
    supply = _by_day(inbound, today=today, what="Inbound quantity")
    needs = _by_day(demand, today=today, what="Demand quantity")
    days = sorted({today, *supply, *needs})
    projected: list[int] = []
    running = on_hand - allocated
    for day in days:
        running += supply.get(day, 0) - needs.get(day, 0)
        projected.append(running)
    promisable: list[int] = []
    floor = None
    for value in reversed(projected):
        floor = value if floor is None else min(floor, value)
        promisable.append(max(floor, 0))
    promisable.reverse()
    buckets = tuple(
        AtpBucket(day=d, inbound=supply.get(d, 0), demand=needs.get(d, 0), projected=p, promisable=q)
        for d, p, q in zip(days, projected, promisable, strict=True)
    )
    return Atp(
        item=item,
        warehouse=warehouse,
        as_of=today,
        on_hand=on_hand,
        allocated=allocated,
        available_now=on_hand - allocated,
        quarantined=quarantined,
        damaged=damaged,
        buckets=buckets,
    )
