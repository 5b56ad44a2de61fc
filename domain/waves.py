"""Waves: choose allocated orders, turn their allocations into pick tasks, cluster and sequence them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import groupby

from domain.errors import Conflict, Invalid, Rejected
from domain.tasks import Spot, Task, TaskKind, walk_distance

ALLOCATED = "allocated"


@dataclass(frozen=True, slots=True)
class PickLine:
    """One allocation of an order line at a location (and lot) not yet turned into a task."""

    order_id: str
    line_no: int
    location: Spot
    item: str
    qty: int
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class WaveOrder:
    order_id: str
    warehouse: str
    status: str
    priority: int
    carrier: str
    carrier_cutoff: datetime
    picks: tuple[PickLine, ...]


@dataclass(frozen=True, slots=True)
class ToteAssignment:
    order_id: str
    tote: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """One trip: several orders, one tote each, tasks in walking order."""

    id: str
    wave_id: str
    totes: tuple[ToteAssignment, ...]
    tasks: tuple[Task, ...]

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(t.order_id for t in self.totes)


@dataclass(frozen=True, slots=True)
class WavePlan:
    wave_id: str
    order_ids: tuple[str, ...]
    clusters: tuple[Cluster, ...]

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(t for c in self.clusters for t in c.tasks)


def select_orders(
    orders: Iterable[WaveOrder],
    *,
    cutoff_before: datetime | None = None,
    min_priority: int | None = None,
    zone: str | None = None,
    max_orders: int | None = None,
) -> tuple[WaveOrder, ...]:
    """Allocated orders matching the filters, most urgent first (earliest cutoff, then priority)."""
    chosen = [
        o
        for o in orders
        if o.status == ALLOCATED
        and o.picks
        and (cutoff_before is None or o.carrier_cutoff < cutoff_before)
        and (min_priority is None or o.priority >= min_priority)
        and (zone is None or any(p.location.zone == zone for p in o.picks))
    ]
    chosen.sort(key=lambda o: (o.carrier_cutoff, -o.priority, o.order_id))
    return tuple(chosen[:max_orders] if max_orders is not None else chosen)


def generate_pick_tasks(
    orders: Iterable[WaveOrder], *, wave_id: str, now: datetime, zone: str | None = None
) -> tuple[Task, ...]:
    """One pick task per (order line, location, lot) allocation, restricted to ``zone`` if given.

    Task ids derive from the wave and the allocation, so releasing the same wave twice yields the
    same tasks and the server's insert stays idempotent.
    """
    tasks: list[Task] = []
    for order in orders:
        merged: dict[tuple[int, str, str | None], PickLine] = {}
        for p in order.picks:
            if zone is not None and p.location.zone != zone:
                continue
            if p.qty <= 0:
                raise Conflict("wave.invalid_quantity", f"Order {order.order_id} line {p.line_no} has qty {p.qty}.")
            key = (p.line_no, p.location.code, p.lot)
            seen = merged.get(key)
            merged[key] = replace(seen, qty=seen.qty + p.qty) if seen else p
        for (line_no, code, lot), p in merged.items():
            suffix = f"/{lot}" if lot else ""
            tasks.append(
                Task(
                    id=f"{wave_id}/{order.order_id}/{line_no}/{code}{suffix}",
                    kind=TaskKind.PICK,
                    warehouse=order.warehouse,
                    location=p.location,
                    item=p.item,
                    lot=lot,
                    qty=p.qty,
                    priority=order.priority,
                    order_id=order.order_id,
                    order_line=line_no,
                    wave_id=wave_id,
                    created_at=now,
                    updated_at=now,
                )
            )
    return tuple(tasks)


def _walk_key(task: Task, origin: Spot | None) -> tuple[int, int, int, str, str]:
    spot = task.location
    # without a start position, begin at a fixed corner (lowest y, then x) so plans repeat
    distance = walk_distance(origin, spot) if origin else 0
    return (distance, spot.y, spot.x, spot.code, task.id)


def sequence_picks(tasks: Iterable[Task], *, start: Spot | None = None) -> tuple[Task, ...]:
    """Order tasks along the pick path and number them 1..n.

    Locations are walked by ``pick_sequence`` (the site's configured serpentine); among equal
    sequences, which covers sites that never set one, a nearest-neighbour walk from the current
    position decides, so the picker never criss-crosses an aisle the way an alphabetical sort would.
    """
    ordered: list[Task] = []
    here = start
    by_sequence = sorted(tasks, key=lambda t: t.location.pick_sequence)
    for _, group in groupby(by_sequence, key=lambda t: t.location.pick_sequence):
        remaining = list(group)
        while remaining:
            step = min(remaining, key=partial(_walk_key, origin=here))
            remaining.remove(step)
            ordered.append(step)
            here = step.location
    return tuple(replace(t, sequence=i) for i, t in enumerate(ordered, start=1))


def build_clusters(
    tasks: Sequence[Task],
    *,
    wave_id: str,
    totes: Sequence[str],
    max_orders: int,
    start: Spot | None = None,
) -> tuple[Cluster, ...]:
    """Group orders into trips of at most ``max_orders``, one tote per order, picks in path order.

    Orders keep the order in which they appear in ``tasks`` (``select_orders`` puts the most
    urgent first), so early cutoffs leave on the first trips.
    """
    if max_orders < 1:
        raise Invalid("wave.invalid_cluster_size", "A cluster holds at least one order.")
    order_ids = list(dict.fromkeys(t.order_id for t in tasks if t.order_id is not None))
    if len(set(totes)) != len(totes):
        raise Rejected("wave.duplicate_tote", "Each tote may be used only once per wave.")
    if len(totes) < len(order_ids):
        raise Conflict(
            "wave.not_enough_totes",
            f"The wave needs {len(order_ids)} totes; only {len(totes)} were given.",
            needed=len(order_ids),
            given=len(totes),
        )
    tote_of = dict(zip(order_ids, totes, strict=False))
    clusters: list[Cluster] = []
    for n, first in enumerate(range(0, len(order_ids), max_orders), start=1):
        members = order_ids[first : first + max_orders]
        cluster_id = f"{wave_id}/C{n}"
        picks = [
            replace(t, cluster_id=cluster_id, tote=tote_of[t.order_id])
            for t in tasks
            if t.order_id in members and t.order_id is not None
        ]
        clusters.append(
            Cluster(
                id=cluster_id,
                wave_id=wave_id,
                totes=tuple(ToteAssignment(o, tote_of[o]) for o in members),
                tasks=sequence_picks(picks, start=start),
            )
        )
    return tuple(clusters)


def plan_wave(
    orders: Iterable[WaveOrder],
    *,
    wave_id: str,
    now: datetime,
    totes: Sequence[str],
    max_orders_per_cluster: int,
    cutoff_before: datetime | None = None,
    min_priority: int | None = None,
    zone: str | None = None,
    max_orders: int | None = None,
    start: Spot | None = None,
) -> WavePlan:
    """Select, generate, cluster and sequence in one go: what a supervisor's wave release decides."""
    selected = select_orders(
        orders, cutoff_before=cutoff_before, min_priority=min_priority, zone=zone, max_orders=max_orders
    )
    if not selected:
        raise Conflict("wave.no_orders", "No allocated orders match the wave filters.")
    tasks = generate_pick_tasks(selected, wave_id=wave_id, now=now, zone=zone)
    clusters = build_clusters(tasks, wave_id=wave_id, totes=totes, max_orders=max_orders_per_cluster, start=start)
    return WavePlan(wave_id=wave_id, order_ids=tuple(o.order_id for o in selected), clusters=clusters)
