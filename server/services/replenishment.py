"""Replenishment: pick faces with a min/max get ``replenish`` tasks from reserve stock.

Planned on a supervisor's request, after a pick leaves a face below its min, and at wave release
when a face would short. domain/replenishment decides; stock already on its way (open replenish
tasks) counts towards the face, and reserve stock already promised to a task is not offered twice.
Planners of the same items serialise on the items' ``warehouse_items`` locks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Rejected
from domain.locations import Location, LocationKind
from domain.replenishment import PickFace, ReserveBalance, plan_replenishment
from domain.tasks import Spot
from server.services import catalog, tasks
from server.services.locking import lock_items
from server.services.tasks import NewTask, TaskRecord

_ACTIVE = "('open', 'assigned', 'in_progress')"
_FACES = f"""
SELECT l.id, l.code, l.zone, l.x, l.y, l.pick_sequence, l.item_id, i.sku, l.min_qty, l.max_qty,
  coalesce((SELECT sum(b.on_hand) FROM stock_balances b WHERE b.location_id = l.id AND b.item_id = l.item_id
    AND b.status = 'available'), 0) AS on_hand,
  coalesce((SELECT sum(t.qty - t.qty_done) FROM tasks t WHERE t.warehouse = l.warehouse AND t.state IN {_ACTIVE}
    AND t.kind = 'replenish' AND t.to_location_id = l.id), 0) AS inbound,
  coalesce((SELECT sum(t.qty - t.qty_done) FROM tasks t WHERE t.warehouse = l.warehouse AND t.state IN {_ACTIVE}
    AND t.kind = 'pick' AND t.location_id = l.id AND t.item_id = l.item_id), 0) AS demand
  FROM locations l JOIN items i ON i.id = l.item_id
 WHERE l.warehouse = :wh AND l.kind = 'pick_face' AND 0 <= l.min_qty AND l.min_qty < l.max_qty
   AND (CAST(:ids AS bigint[]) IS NULL OR l.id = ANY(:ids))
   AND (CAST(:items AS bigint[]) IS NULL OR l.item_id = ANY(:items))
"""
_RESERVES = text(
    "SELECT b.location_id, l.code, l.zone, l.x, l.y, l.pick_sequence, i.sku, b.lot, lot.expires_on,"
    " b.on_hand - b.allocated - coalesce((SELECT sum(t.qty - t.qty_done) FROM tasks t WHERE t.warehouse = :wh"
    f"  AND t.state IN {_ACTIVE} AND t.kind = 'replenish' AND t.location_id = b.location_id"
    "  AND t.item_id = b.item_id AND t.lot = b.lot), 0) AS free"
    " FROM stock_balances b JOIN locations l ON l.id = b.location_id JOIN items i ON i.id = b.item_id"
    " LEFT JOIN lots lot ON lot.item_id = b.item_id AND lot.code = b.lot AND b.lot <> ''"
    " WHERE b.warehouse = :wh AND b.item_id = ANY(:items) AND b.status = 'available' AND l.kind = 'storage'"
    " AND b.on_hand > b.allocated AND (lot.expires_on IS NULL OR lot.expires_on >= :today)"
)


class PlanReplenishment(msgspec.Struct, forbid_unknown_fields=True):
    """Plan every pick face of the warehouse, or only these locations."""

    locations: list[str] | None = None


class PickFaceLimits(msgspec.Struct, forbid_unknown_fields=True):
    """The item a pick face holds and the range it is kept in (base units)."""

    sku: str
    min_qty: int
    max_qty: int


def face_view(row: Any) -> dict[str, Any]:
    """A pick face with what it holds, what is on its way and what pending picks need from it."""
    return {
        "location": row.code,
        "zone": row.zone,
        "sku": row.sku,
        "min_qty": int(row.min_qty),
        "max_qty": int(row.max_qty),
        "on_hand": int(row.on_hand),
        "inbound": int(row.inbound),
        "demand": int(row.demand),
        "below_min": int(row.on_hand) + int(row.inbound) < int(row.min_qty),
    }


async def _faces(
    db: AsyncSession, warehouse: str, *, face_ids: Sequence[int] | None, item_ids: Sequence[int] | None
) -> list[Any]:
    rows = await db.execute(
        text(f"{_FACES} ORDER BY l.pick_sequence, l.code"),
        {"wh": warehouse, "ids": face_ids, "items": item_ids},
    )
    return list(rows)


async def plan(
    db: AsyncSession,
    warehouse: str,
    *,
    face_ids: Sequence[int] | None = None,
    item_ids: Sequence[int] | None = None,
) -> list[TaskRecord]:
    """Create the replenish tasks the faces (all, or these) need now; returns the new tasks."""
    wanted = await db.scalars(
        text(
            "SELECT DISTINCT item_id FROM locations WHERE warehouse = :wh AND kind = 'pick_face'"
            " AND item_id IS NOT NULL AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(:ids))"
            " AND (CAST(:items AS bigint[]) IS NULL OR item_id = ANY(:items))"
        ),
        {"wh": warehouse, "ids": face_ids, "items": item_ids},
    )
    items = sorted(int(i) for i in wanted)
    if not items:
        return []
    # read faces and reserves only once no one else can be planning or moving these items
    await lock_items(db, warehouse, items)
    faces = await _faces(db, warehouse, face_ids=face_ids, item_ids=items)
    today = await catalog.warehouse_today(db, warehouse)
    reserves = (await db.execute(_RESERVES, {"wh": warehouse, "items": items, "today": today})).all()
    spots = {r.code: int(r.location_id) for r in reserves} | {f.code: int(f.id) for f in faces}
    item_of = {f.sku: int(f.item_id) for f in faces}
    planned = plan_replenishment(
        [
            PickFace(
                warehouse,
                Spot(f.code, f.zone, f.x, f.y, f.pick_sequence),
                f.sku,
                int(f.min_qty),
                int(f.max_qty),
                int(f.on_hand),
                int(f.inbound),
            )
            for f in faces
        ],
        [
            ReserveBalance(
                Spot(r.code, r.zone, r.x, r.y, r.pick_sequence), r.sku, int(r.free), r.lot or None, r.expires_on
            )
            for r in reserves
        ],
        now=datetime.now(UTC),
        demand={f.code: int(f.demand) for f in faces},
    )
    new = [
        NewTask(
            t,
            spots[t.location.code],
            item_of[t.item or ""],
            to_location_id=spots[t.to_location.code] if t.to_location else None,
        )
        for t in planned
    ]
    return await tasks.insert(db, new)


async def after_pick(db: AsyncSession, record: TaskRecord) -> list[TaskRecord]:
    """A pick just took stock from the task's location: top it up if it is a pick face of that item.

    Only the picked item is planned: the caller holds its lock, and taking another item's lock now
    would break the lock order.
    """
    if record.item_id is None:
        return []
    return await plan(db, record.task.warehouse, face_ids=[record.location_id], item_ids=[record.item_id])


async def after_wave(db: AsyncSession, warehouse: str, created: Iterable[TaskRecord]) -> list[TaskRecord]:
    """A wave's pick tasks now wait on their faces: replenish the faces they would short or leave below min."""
    faces = sorted({r.location_id for r in created})
    return await plan(db, warehouse, face_ids=faces) if faces else []


async def plan_command(db: AsyncSession, warehouse: str, cmd: PlanReplenishment) -> dict[str, Any]:
    """A supervisor's replenishment run over all faces or the listed ones."""
    face_ids = None
    if cmd.locations is not None:
        face_ids = [(await catalog.location(db, warehouse, code)).id for code in cmd.locations]
    created = await plan(db, warehouse, face_ids=face_ids)
    return {"tasks": [tasks.task_view(r) for r in created]}


async def list_faces(db: AsyncSession, warehouse: str, *, below_min: bool) -> list[dict[str, Any]]:
    """Pick faces of the warehouse with their stock, inbound and demand."""
    views = [face_view(r) for r in await _faces(db, warehouse, face_ids=None, item_ids=None)]
    return [v for v in views if v["below_min"]] if below_min else views


async def set_pick_face(db: AsyncSession, warehouse: str, *, code: str, cmd: PickFaceLimits) -> dict[str, Any]:
    """Assign a pick face its item and min/max; a face still holding another item's stock is refused."""
    place = await catalog.location(db, warehouse, code)
    if place.kind != LocationKind.PICK_FACE:
        raise Rejected("replenishment.not_pick_face", f"{place.code} is a {place.kind} location, not a pick face.")
    Location(place.code, warehouse, place.zone, LocationKind.PICK_FACE, min_qty=cmd.min_qty, max_qty=cmd.max_qty)
    item = (await catalog.items_by_sku(db, [cmd.sku]))[cmd.sku]
    other = await db.scalar(
        text(
            "SELECT i.sku FROM stock_balances b JOIN items i ON i.id = b.item_id"
            " WHERE b.location_id = :loc AND b.item_id <> :item AND b.on_hand > 0 LIMIT 1"
        ),
        {"loc": place.id, "item": item.id},
    )
    if other is not None:
        raise Conflict(
            "replenishment.face_holds_other_item",
            f"{place.code} still holds {other}; move it out before assigning {item.sku}.",
            location=place.code,
            sku=other,
        )
    await db.execute(
        text("UPDATE locations SET item_id = :item, min_qty = :min, max_qty = :max WHERE id = :id"),
        {"item": item.id, "min": cmd.min_qty, "max": cmd.max_qty, "id": place.id},
    )
    [row] = await _faces(db, warehouse, face_ids=[place.id], item_ids=None)
    return face_view(row)
