"""Replenishment: keep pick faces between their min and max from reserve stock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.errors import Invalid
from domain.tasks import Priority, Spot, Task, TaskKind, walk_distance


@dataclass(frozen=True, slots=True)
class PickFace:
    warehouse: str
    location: Spot
    item: str
    min_qty: int
    max_qty: int
    on_hand: int
    inbound_qty: int = 0  # already on its way from open replenishment tasks


@dataclass(frozen=True, slots=True)
class ReserveBalance:
    location: Spot
    item: str
    available_qty: int
    lot: str | None = None
    expiry: date | None = None


def _reserve_order(face: PickFace, r: ReserveBalance) -> tuple[date, str, int, str]:
    # first expiry first out, then the nearest reserve to the face
    return (r.expiry or date.max, r.lot or "", walk_distance(face.location, r.location), r.location.code)


def needs_replenishment(face: PickFace, *, demand_qty: int = 0) -> bool:
    """Whether ``face`` should be topped up: below its min, or short of the picks pending on it, counting
    stock on its way, and with room left below its max."""
    expected = face.on_hand + face.inbound_qty
    return (expected < face.min_qty or demand_qty > expected) and expected < face.max_qty


def replenishment_tasks(
    face: PickFace,
    reserves: Iterable[ReserveBalance],
    *,
    now: datetime,
    demand_qty: int = 0,
) -> tuple[Task, ...]:
    """Tasks to fill ``face`` up to its max when it is below min or ``demand_qty`` would short it.

    A face that would short a pending pick gets urgent tasks. Quantity counts stock already on
    its way, so repeated calls do not over-fill. Returns nothing when no trigger fires.
    """
    if face.min_qty < 0 or face.max_qty <= 0 or face.min_qty > face.max_qty:
        raise Invalid(
            "replenishment.invalid_limits",
            f"Pick face {face.location.code} has min {face.min_qty} and max {face.max_qty}.",
        )
    expected = face.on_hand + face.inbound_qty
    would_short = demand_qty > expected
    if not needs_replenishment(face, demand_qty=demand_qty):
        return ()
    wanted = face.max_qty - expected
    if wanted <= 0:
        return ()
    priority = Priority.URGENT if would_short else Priority.NORMAL
    tasks: list[Task] = []
    usable = [r for r in reserves if r.item == face.item and r.available_qty > 0 and r.location != face.location]
    for r in sorted(usable, key=lambda r: _reserve_order(face, r)):
        if wanted == 0:
            break
        qty = min(wanted, r.available_qty)
        wanted -= qty
        lot = f"/{r.lot}" if r.lot else ""
        tasks.append(
            Task(
                id=f"replenish/{face.location.code}/{r.location.code}{lot}/{now:%Y%m%dT%H%M%S%f}",
                kind=TaskKind.REPLENISH,
                warehouse=face.warehouse,
                location=r.location,
                to_location=face.location,
                item=face.item,
                lot=r.lot,
                qty=qty,
                priority=priority,
                created_at=now,
                updated_at=now,
                reason="would_short" if would_short else "below_min",
            )
        )
    return tuple(tasks)


def plan_replenishment(
    faces: Sequence[PickFace],
    reserves: Sequence[ReserveBalance],
    *,
    now: datetime,
    demand: Mapping[str, int] | None = None,
) -> tuple[Task, ...]:
    """Replenish many faces from one pool of reserves without promising the same stock twice.

    ``demand`` maps a face location code to the quantity pending picks need from it.
    """
    pool = list(reserves)
    tasks: list[Task] = []
    needs = demand or {}
    # short-threatened faces take reserve stock first
    ordered = sorted(faces, key=lambda f: (needs.get(f.location.code, 0) <= f.on_hand + f.inbound_qty, f.location.code))
    for face in ordered:
        made = replenishment_tasks(face, pool, now=now, demand_qty=needs.get(face.location.code, 0))
        for t in made:
            pool = [
                replace(r, available_qty=r.available_qty - t.qty)
                if r.location == t.location and r.item == t.item and r.lot == t.lot
                else r
                for r in pool
            ]
        tasks.extend(made)
    return tuple(tasks)
