"""Tasks on PostgreSQL: rows to domain tasks and back, inserts, events and next-task claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.errors import NotFound
from domain.tasks import Spot, Task, TaskKind, TaskState
from server.outbox import emit_many
from server.services.locking import lock_tasks

_EVENT_OF_STATE: dict[TaskState, type[events.TaskEvent]] = {
    TaskState.OPEN: events.TaskReleased,
    TaskState.ASSIGNED: events.TaskAssigned,
    TaskState.IN_PROGRESS: events.TaskStarted,
    TaskState.DONE: events.TaskCompleted,
    TaskState.CANCELLED: events.TaskCancelled,
    TaskState.EXCEPTION: events.TaskExceptionRaised,
}

_SELECT = """
SELECT t.id, t.ref, t.kind, t.warehouse, t.state, t.priority, t.qty, t.qty_done, t.lot, t.item_id, i.sku,
       i.description, i.lot_tracked, l.id AS loc_id, l.code, l.zone, l.x, l.y, l.pick_sequence,
       tl.id AS to_id, tl.code AS to_code, tl.zone AS to_zone, tl.x AS to_x, tl.y AS to_y,
       tl.pick_sequence AS to_seq, t.order_id, o.number, t.order_line, t.wave_id, t.cluster_id, t.tote,
       t.sequence, t.receipt_id, t.claimed_by, t.lease_expires_at, t.scans, t.reason, t.created_at,
       t.updated_at, t.version
  FROM tasks t JOIN locations l ON l.id = t.location_id
  LEFT JOIN locations tl ON tl.id = t.to_location_id
  LEFT JOIN items i ON i.id = t.item_id
  LEFT JOIN sales_orders o ON o.id = t.order_id
"""


@dataclass
class TaskRecord:
    """A task row: the domain task plus the ids and guided-scan progress behind it."""

    id: int
    task: Task
    item_id: int | None
    description: str
    lot_tracked: bool
    location_id: int
    to_location_id: int | None
    order_id: int | None
    receipt_id: int | None
    scans: list[dict[str, Any]] = field(default_factory=list)


def _record(r: Any) -> TaskRecord:
    to = Spot(r.to_code, r.to_zone, r.to_x, r.to_y, r.to_seq) if r.to_code else None
    task = Task(
        id=r.ref,
        kind=TaskKind(r.kind),
        warehouse=r.warehouse,
        location=Spot(r.code, r.zone, r.x, r.y, r.pick_sequence),
        item=r.sku,
        lot=r.lot or None,
        qty=int(r.qty),
        to_location=to,
        priority=int(r.priority),
        state=TaskState(r.state),
        order_id=r.number,
        order_line=r.order_line,
        wave_id=r.wave_id,
        cluster_id=r.cluster_id,
        tote=r.tote,
        sequence=int(r.sequence),
        qty_done=int(r.qty_done),
        claimed_by=r.claimed_by,
        lease_expires_at=r.lease_expires_at,
        created_at=r.created_at,
        updated_at=r.updated_at,
        reason=r.reason,
        version=int(r.version),
    )
    return TaskRecord(
        int(r.id),
        task,
        r.item_id,
        r.description or "",
        bool(r.lot_tracked),
        int(r.loc_id),
        r.to_id,
        r.order_id,
        r.receipt_id,
        list(r.scans or []),
    )


# the task loader's queries, by name: callers choose one, never write SQL of their own
_WHERE = {
    "by_ids": "t.id = ANY(:ids)",
    "one": "t.id = :id AND t.warehouse = :wh",
    "by_ref": "t.ref = :ref AND t.warehouse = :wh",
    "in_states": "t.warehouse = :wh AND t.state = ANY(:states)",
    "done_since": "t.warehouse = :wh AND t.state = 'done' AND t.updated_at >= :since",
    "other_held_picks": "t.warehouse = :wh AND t.claimed_by = :me AND t.kind = 'pick'"
    " AND t.state IN ('assigned', 'in_progress') AND t.id <> :id",
}


async def select(
    db: AsyncSession, where: str, params: dict[str, Any], *, newest: int | None = None
) -> list[TaskRecord]:
    """Tasks matching ``where`` over ``t`` (the tasks table): for the task modules' own named queries."""
    order = "ORDER BY t.id" if newest is None else f"ORDER BY t.id DESC LIMIT {int(newest)}"
    rows = await db.execute(text(f"{_SELECT} WHERE {where} {order}"), params)
    return [_record(r) for r in rows]


async def _load(db: AsyncSession, query: str, params: dict[str, Any], *, newest: int | None = None) -> list[TaskRecord]:
    return await select(db, _WHERE[query], params, newest=newest)


async def load_ids(db: AsyncSession, ids: Sequence[int]) -> list[TaskRecord]:
    """The tasks with these ids, in id order."""
    return await _load(db, "by_ids", {"ids": list(ids)}) if ids else []


async def load_one(db: AsyncSession, warehouse: str, task_id: int) -> TaskRecord:
    """One task of ``warehouse``; ``task.not_found`` otherwise."""
    found = await _load(db, "one", {"id": task_id, "wh": warehouse})
    if not found:
        raise NotFound("task.not_found", f"No task {task_id} in {warehouse}.", task=task_id)
    return found[0]


async def load_ref(db: AsyncSession, warehouse: str, ref: str) -> TaskRecord | None:
    """The task of ``warehouse`` with this reference, if any."""
    found = await _load(db, "by_ref", {"ref": ref, "wh": warehouse})
    return found[0] if found else None


async def load_in_states(db: AsyncSession, warehouse: str, states: Sequence[str]) -> list[TaskRecord]:
    """The warehouse's tasks in one of ``states``."""
    return await _load(db, "in_states", {"wh": warehouse, "states": list(states)})


async def load_done_since(db: AsyncSession, warehouse: str, since: datetime, *, newest: int) -> list[TaskRecord]:
    """The ``newest`` tasks of the warehouse done since ``since``, latest first."""
    return await _load(db, "done_since", {"wh": warehouse, "since": since}, newest=newest)


async def load_other_held_picks(db: AsyncSession, warehouse: str, worker: str, task_id: int) -> list[TaskRecord]:
    """The pick tasks ``worker`` holds in ``warehouse`` besides ``task_id``."""
    return await _load(db, "other_held_picks", {"wh": warehouse, "me": worker, "id": task_id})


async def load_locked(db: AsyncSession, warehouse: str, task_id: int) -> TaskRecord:
    """One task of ``warehouse``, locked for this command; ``task.not_found`` otherwise."""
    await lock_tasks(db, [task_id])
    return await load_one(db, warehouse, task_id)


def task_view(record: TaskRecord) -> dict[str, Any]:
    """The task as handhelds, the task board and ``task.*`` events show it."""
    t = record.task
    return {
        "id": record.id,
        "ref": t.id,
        "kind": str(t.kind),
        "warehouse": t.warehouse,
        "state": str(t.state),
        "priority": t.priority,
        "location": t.location.code,
        "zone": t.zone,
        "to_location": t.to_location.code if t.to_location else None,
        "sku": t.item,
        "description": record.description,
        "lot": t.lot,
        # counts are blind: what the system expects in the bin is never shown or broadcast
        "qty": None if t.kind is TaskKind.COUNT else t.qty,
        "qty_done": None if t.kind is TaskKind.COUNT else t.qty_done,
        "order": t.order_id,
        "order_line": t.order_line,
        "wave": t.wave_id,
        "cluster": t.cluster_id,
        "tote": t.tote,
        "sequence": t.sequence,
        "assigned_to": t.claimed_by,
        "lease_expires_at": t.lease_expires_at.isoformat() if t.lease_expires_at else None,
        "reason": t.reason,
        "version": t.version,
    }


def task_event(record: TaskRecord, event_type: type[events.TaskEvent] | None = None) -> events.TaskEvent:
    """The ``task.*`` event of the task's new state."""
    kind = event_type or _EVENT_OF_STATE[record.task.state]
    t = record.task
    view = task_view(record)
    return kind(warehouse=t.warehouse, entity_id=str(record.id), version=t.version, data=view, assignee=t.claimed_by)


async def save(db: AsyncSession, record: TaskRecord) -> None:
    """Write the task's state, progress and lease back to its row."""
    t = record.task
    await db.execute(
        text(
            "UPDATE tasks SET state = :state, qty = :qty, qty_done = :done, claimed_by = :by,"
            " lease_expires_at = :lease,"
            " reason = :reason, scans = CAST(:scans AS jsonb), updated_at = :at, version = :v WHERE id = :id"
        ),
        {
            "state": str(t.state),
            "qty": t.qty,
            "done": t.qty_done,
            "by": t.claimed_by,
            "lease": t.lease_expires_at,
            "reason": t.reason,
            "scans": _json(record.scans),
            "at": t.updated_at or datetime.now(UTC),
            "v": t.version,
            "id": record.id,
        },
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class NewTask:
    """A domain task with the row ids it needs to be stored."""

    task: Task
    location_id: int
    item_id: int | None
    to_location_id: int | None = None
    order_id: int | None = None
    receipt_id: int | None = None


async def insert(db: AsyncSession, new: Sequence[NewTask]) -> list[TaskRecord]:
    """Insert tasks (a known ``ref`` is skipped) and emit ``task.created`` for the new ones."""
    if not new:
        return []
    ids: list[int] = []
    for n in new:
        t = n.task
        row = await db.execute(
            text(
                "INSERT INTO tasks (ref, kind, warehouse, state, priority, location_id, to_location_id, item_id, lot,"
                " qty, qty_done, order_id, order_line, wave_id, cluster_id, tote, sequence, receipt_id, scans,"
                " reason, version) VALUES (:ref, :kind, :wh, :state, :prio, :loc, :to, :item, :lot, :qty, 0,"
                " :order, :line, :wave, :cluster, :tote, :seq, :receipt, '[]', :reason, 1)"
                " ON CONFLICT (ref) DO NOTHING RETURNING id"
            ),
            {
                "ref": t.id,
                "kind": str(t.kind),
                "wh": t.warehouse,
                "state": str(t.state),
                "prio": t.priority,
                "loc": n.location_id,
                "to": n.to_location_id,
                "item": n.item_id,
                "lot": t.lot or "",
                "qty": t.qty,
                "order": n.order_id,
                "line": t.order_line,
                "wave": t.wave_id,
                "cluster": t.cluster_id,
                "tote": t.tote,
                "seq": t.sequence,
                "receipt": n.receipt_id,
                "reason": t.reason,
            },
        )
        ids.extend(int(i) for i in row.scalars())
    records = await load_ids(db, ids)
    await emit_many(db, [task_event(r, events.TaskCreated) for r in records])
    return records


# for stores that read tasks inside statements of their own (``_SELECT`` takes a WHERE over ``t``)
TASK_SELECT = _SELECT
record_of = _record
