"""Count tasks and the locations they count: the pieces every way of creating a count shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Rejected
from domain.tasks import Priority, Spot, Task, TaskKind
from server.services import tasks
from server.services.tasks import NewTask

OPEN_COUNT_STATES = ["open", "assigned", "in_progress", "exception"]


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    spot: Spot


async def place_of(db: AsyncSession, warehouse: str, code: str) -> Place:
    """A location of ``warehouse`` as tasks need it; ``location.unknown`` (422) otherwise."""
    row = (
        await db.execute(
            text("SELECT id, code, zone, x, y, pick_sequence FROM locations WHERE code = :c AND warehouse = :wh"),
            {"c": code.strip().upper(), "wh": warehouse},
        )
    ).first()
    if row is None:
        raise Rejected("location.unknown", f"No location {code} in {warehouse}", location=code)
    return Place(int(row.id), Spot(row.code, row.zone, row.x, row.y, row.pick_sequence))


async def open_count(db: AsyncSession, place: Place, item_id: int | None) -> int | None:
    """The id of an unfinished count task covering (place, item), if there is one."""
    found = await db.scalar(
        text(
            "SELECT id FROM tasks WHERE kind = 'count' AND location_id = :loc AND state = ANY(:states)"
            " AND (item_id IS NULL OR CAST(:item AS bigint) IS NULL OR item_id = :item) LIMIT 1"
        ),
        {"loc": place.id, "item": item_id, "states": OPEN_COUNT_STATES},
    )
    return int(found) if found is not None else None


async def refuse_if_open(db: AsyncSession, place: Place, item_id: int | None) -> None:
    """``count.already_open`` when a count of the same stock is unfinished: it would race its booking."""
    found = await open_count(db, place, item_id)
    if found is not None:
        raise Conflict(
            "count.already_open",
            f"Task {found} already counts {place.spot.code}; finish or cancel it first.",
            task=found,
            location=place.spot.code,
        )


def count_task(place: Place, warehouse: str, *, sku: str | None, ref: str, priority: int, reason: str) -> Task:
    """A count task; its qty stays 0 because the system quantity is read when the count is booked."""
    now = datetime.now(UTC)
    return Task(
        id=ref,
        kind=TaskKind.COUNT,
        warehouse=warehouse,
        location=place.spot,
        item=sku,
        priority=priority,
        created_at=now,
        updated_at=now,
        reason=reason,
    )


async def ensure_count(
    db: AsyncSession, warehouse: str, code: str, *, sku: str, item_id: int, ref: str, reason: str
) -> int:
    """A high-priority count of ``sku`` at ``code``, or the unfinished one that already covers it."""
    place = await place_of(db, warehouse, code)
    existing = await open_count(db, place, item_id)
    if existing is not None:
        return existing
    task = count_task(place, warehouse, sku=sku, ref=ref, priority=Priority.HIGH, reason=reason)
    created = await tasks.insert(db, [NewTask(task, place.id, item_id)])
    # a known ref means this very count was made before (and finished): answer that one
    if created:
        return created[0].id
    return int(await db.scalar(text("SELECT id FROM tasks WHERE ref = :ref"), {"ref": ref}))
