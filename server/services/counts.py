"""Cycle count tasks: created on demand or by the ABC schedule, then counted blind with guided scans.

A blind count: the worker scans the location, then each item (and lot) with the quantity found,
then finishes. The handheld never sees what the system holds; on finish, what the system holds in
the count's scope but was not counted counts as zero (server/services/count_booking decides and books).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.counting import CountCandidate, due_counts
from domain.errors import Conflict, Invalid, Rejected
from domain.events import Event
from domain.guided import require_worker
from domain.guided.count import check_finish, counted, next_step
from domain.tasks import Priority, Spot, TaskKind
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import catalog, tasks
from server.services.count_booking import book_count
from server.services.count_tasks import OPEN_COUNT_STATES, Place, count_task, place_of, refuse_if_open
from server.services.count_views import handheld_view
from server.services.guided import accept, prompt_of
from server.services.task_scan import TaskScan, marks_of
from server.services.tasks import NewTask, TaskRecord


class RequestCount(msgspec.Struct, forbid_unknown_fields=True):
    """Count a location now: every item in it, or only ``sku``."""

    location: str
    sku: str | None = None


class ScheduleCounts(msgspec.Struct, forbid_unknown_fields=True):
    """Create count tasks for the (location, item) pairs the ABC intervals say are due, at most ``limit``."""

    limit: int = 50
    zone: str | None = None


async def request_count(
    db: AsyncSession, principal: Principal, warehouse: str, cmd: RequestCount, *, reason: str | None = None
) -> dict[str, Any]:
    """A supervisor's count of a location (optionally one item), ahead of the scheduled ones."""
    place = await place_of(db, warehouse, cmd.location)
    item = (await catalog.items_by_sku(db, [cmd.sku]))[cmd.sku] if cmd.sku else None
    await refuse_if_open(db, place, item.id if item else None)
    ref = f"count/{place.spot.code}/{item.sku if item else '*'}/{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    task = count_task(
        place,
        warehouse,
        sku=item.sku if item else None,
        ref=ref,
        priority=Priority.HIGH,
        reason=reason or f"requested by {principal.username}",
    )
    [record] = await tasks.insert(db, [NewTask(task, place.id, item.id if item else None)])
    return {"task": handheld_view(record)}


_CANDIDATES = text(
    "WITH pairs AS ("
    " SELECT DISTINCT b.location_id, b.item_id FROM stock_balances b JOIN locations l ON l.id = b.location_id"
    "  WHERE b.warehouse = :wh AND b.on_hand > 0 AND l.kind IN ('storage', 'pick_face')"
    " UNION SELECT id, item_id FROM locations WHERE warehouse = :wh AND kind = 'pick_face' AND item_id IS NOT NULL)"
    " SELECT p.location_id, p.item_id, l.code, l.zone, l.x, l.y, l.pick_sequence, i.sku, i.abc_class,"
    "  (SELECT (max(c.counted_at) AT TIME ZONE w.timezone)::date FROM count_results c"
    "    WHERE c.warehouse = :wh AND c.location_id = p.location_id AND c.item_id = p.item_id) AS last_counted"
    " FROM pairs p JOIN locations l ON l.id = p.location_id JOIN items i ON i.id = p.item_id"
    " JOIN warehouses w ON w.code = l.warehouse"
    " WHERE (CAST(:zone AS text) IS NULL OR l.zone = :zone) AND NOT EXISTS (SELECT 1 FROM tasks t"
    "  WHERE t.warehouse = :wh AND t.kind = 'count' AND t.state = ANY(:states) AND t.location_id = p.location_id"
    "  AND (t.item_id IS NULL OR t.item_id = p.item_id))"
)


async def schedule_counts(db: AsyncSession, warehouse: str, cmd: ScheduleCounts) -> dict[str, Any]:
    """Count tasks for due (location, item) pairs: never counted first, then the most overdue.

    Task refs carry the date, so running the schedule twice in a day adds nothing.
    """
    if not 1 <= cmd.limit <= 500:
        raise Invalid("count.invalid_limit", "Schedule 1 to 500 counts at a time.", limit=cmd.limit)
    today = await catalog.warehouse_today(db, warehouse)
    rows = (await db.execute(_CANDIDATES, {"wh": warehouse, "zone": cmd.zone, "states": OPEN_COUNT_STATES})).all()
    by_pair = {(r.code, r.sku): r for r in rows}
    candidates = [CountCandidate(r.code, r.sku, r.abc_class, r.last_counted) for r in rows]
    new = []
    for c in due_counts(candidates, today=today, limit=cmd.limit):
        r = by_pair[(c.location, c.item)]
        place = Place(int(r.location_id), Spot(r.code, r.zone, r.x, r.y, r.pick_sequence))
        ref = f"count/{c.location}/{c.item}/{today:%Y%m%d}"
        # scheduled counts fill idle time; requested and short-pick counts go first
        task = count_task(place, warehouse, sku=c.item, ref=ref, priority=Priority.LOW, reason=f"abc:{c.abc_class}")
        new.append(NewTask(task, place.id, int(r.item_id)))
    created = await tasks.insert(db, new)
    return {"tasks": [handheld_view(r) for r in created], "due": len(new)}


async def finish_count(db: AsyncSession, principal: Principal, record: TaskRecord) -> dict[str, Any]:
    """Close the count: every line in scope is evaluated, booked or sent for approval; the task is done."""
    _require_count(record)
    require_worker(TaskKind.COUNT, principal.roles)
    now = datetime.now(UTC)
    was = record.task.state
    record.task = rules.start(record.task, principal.username, now=now)
    started = [tasks.task_event(record)] if was is not record.task.state else []
    marks = marks_of(record)
    check_finish(marks, location=record.task.location.code)
    events: list[Event] = await book_count(db, principal, record, counted=counted(marks), now=now)
    record.task = rules.complete(record.task, principal.username, now=now)
    await tasks.save(db, record)
    await emit_many(db, [*started, tasks.task_event(record), *events])
    return {"task": handheld_view(record), "prompt": prompt_of(record)}


def _require_count(record: TaskRecord) -> None:
    if record.task.kind is not TaskKind.COUNT:
        raise Rejected("count.not_a_count", f"Task {record.id} is a {record.task.kind} task.", task=record.id)


class CountedLine(msgspec.Struct, forbid_unknown_fields=True):
    """One item as counted offline: the label scanned (GTIN, GS1 with lot), the lot if scanned apart, qty."""

    item: str
    qty: int
    lot: str | None = None


async def submit_whole_count(
    db: AsyncSession, principal: Principal, record: TaskRecord, *, location: str, lines: list[CountedLine]
) -> dict[str, Any]:
    """A whole blind count at once (a handheld's offline queue): claim if free, replay the scans, finish.

    The submission replaces any scans made before: it is the worker's complete count of the location.
    """
    _require_count(record)
    if record.task.state not in (rules.TaskState.OPEN, *rules.ACTIVE_STATES):
        raise Conflict("task.not_active", f"Task {record.id} is {record.task.state}.", task=record.id)
    was = record.task.state
    record.task = rules.claim(record.task, principal.username, now=datetime.now(UTC))
    claimed = [tasks.task_event(record)] if was is not record.task.state else []
    record.scans = []
    await accept(db, record, TaskScan(scan=location))
    for line in lines:
        item = (await accept(db, record, TaskScan(scan=line.item))).marks
        if next_step(item) == "lot":
            if not line.lot:
                raise Rejected("scan.lot_required", f"{item[-1].value} is lot tracked: give its lot.")
            await accept(db, record, TaskScan(scan=line.lot))
        await accept(db, record, TaskScan(qty=line.qty))
    await emit_many(db, claimed)
    return await finish_count(db, principal, record)
