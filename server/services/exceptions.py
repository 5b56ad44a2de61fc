"""The exceptions queue: records raised by the domain, stored once and announced as ``exception.raised``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import exception_queue as queue
from domain import tasks as task_rules
from domain.errors import Conflict, NotFound
from domain.events import ExceptionAcknowledged, ExceptionEvent, ExceptionRaised, ExceptionResolved
from domain.exception_queue import ExceptionKind, ExceptionRecord, ExceptionState
from domain.tasks import TaskState
from server.outbox import emit_many
from server.services import tasks


def exception_view(record: ExceptionRecord) -> dict[str, Any]:
    """The record as screens and events show it."""
    return {
        "id": record.id,
        "kind": str(record.kind),
        "warehouse": record.warehouse,
        "subject": record.subject,
        "message": record.message,
        "details": dict(record.details),
        "state": str(record.state),
        "raised_by": record.raised_by,
        "raised_at": record.raised_at.isoformat(),
        "version": record.version,
    }


async def raise_exceptions(db: AsyncSession, records: Sequence[ExceptionRecord]) -> list[dict[str, Any]]:
    """Store new exceptions (ids are deterministic: raising the same one twice keeps the first)."""
    if not records:
        return []
    inserted = await db.execute(
        text(
            "INSERT INTO exceptions (id, kind, warehouse, subject, message, details, state, raised_by, raised_at,"
            " version) SELECT * FROM unnest(CAST(:id AS text[]), CAST(:k AS text[]), CAST(:wh AS text[]),"
            " CAST(:s AS text[]), CAST(:m AS text[]), CAST(:d AS jsonb[]), CAST(:st AS text[]), CAST(:by AS text[]),"
            " CAST(:at AS timestamptz[]), CAST(:v AS bigint[])) ON CONFLICT (id) DO NOTHING RETURNING id"
        ),
        {
            "id": [r.id for r in records],
            "k": [str(r.kind) for r in records],
            "wh": [r.warehouse for r in records],
            "s": [r.subject for r in records],
            "m": [r.message for r in records],
            "d": [json.dumps(dict(r.details)) for r in records],
            "st": [str(r.state) for r in records],
            "by": [r.raised_by for r in records],
            "at": [r.raised_at for r in records],
            "v": [r.version for r in records],
        },
    )
    new = {row[0] for row in inserted}
    views = [exception_view(r) for r in records if r.id in new]
    raised = [ExceptionRaised(warehouse=v["warehouse"], entity_id=v["id"], version=v["version"], data=v) for v in views]
    await emit_many(db, raised)
    return views


_COLUMNS = (
    "id, kind, warehouse, subject, message, details, state, raised_by, raised_at, acknowledged_by, acknowledged_at,"
    " resolved_by, resolved_at, resolution, version"
)


def _record(row: Any) -> ExceptionRecord:
    return ExceptionRecord(
        id=row.id,
        kind=ExceptionKind(row.kind),
        warehouse=row.warehouse,
        subject=row.subject,
        message=row.message,
        raised_by=row.raised_by,
        raised_at=row.raised_at,
        details=MappingProxyType(dict(row.details or {})),
        state=ExceptionState(row.state),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        version=int(row.version),
    )


def full_view(record: ExceptionRecord) -> dict[str, Any]:
    """The record with who acknowledged and resolved it, and when."""
    stamp = {"acknowledged_at": record.acknowledged_at, "resolved_at": record.resolved_at}
    return {
        **exception_view(record),
        "acknowledged_by": record.acknowledged_by,
        "resolved_by": record.resolved_by,
        "resolution": record.resolution,
        **{k: v.isoformat() if v else None for k, v in stamp.items()},
    }


async def list_exceptions(
    db: AsyncSession, warehouse: str, *, states: Sequence[str], kind: str | None, limit: int
) -> list[dict[str, Any]]:
    """The queue, oldest first: what a supervisor still has to deal with."""
    rows = await db.execute(
        text(
            f"SELECT {_COLUMNS} FROM exceptions WHERE warehouse = :wh AND state = ANY(:states)"
            " AND (CAST(:kind AS text) IS NULL OR kind = :kind) ORDER BY raised_at, id LIMIT :limit"
        ),
        {"wh": warehouse, "states": list(states), "kind": kind, "limit": limit},
    )
    return [full_view(_record(r)) for r in rows]


async def _locked(db: AsyncSession, warehouse: str, exception_id: str) -> ExceptionRecord:
    row = (
        await db.execute(
            text(f"SELECT {_COLUMNS} FROM exceptions WHERE id = :id AND warehouse = :wh FOR UPDATE"),
            {"id": exception_id, "wh": warehouse},
        )
    ).first()
    if row is None:
        raise NotFound("exception.not_found", f"No exception {exception_id} in {warehouse}")
    return _record(row)


async def _save(db: AsyncSession, record: ExceptionRecord, event_type: type[ExceptionEvent]) -> dict[str, Any]:
    await db.execute(
        text(
            "UPDATE exceptions SET state = :st, acknowledged_by = :ab, acknowledged_at = :aat, resolved_by = :rb,"
            " resolved_at = :rat, resolution = :res, version = :v WHERE id = :id"
        ),
        {
            "st": str(record.state),
            "ab": record.acknowledged_by,
            "aat": record.acknowledged_at,
            "rb": record.resolved_by,
            "rat": record.resolved_at,
            "res": record.resolution,
            "v": record.version,
            "id": record.id,
        },
    )
    view = full_view(record)
    event = event_type(warehouse=record.warehouse, entity_id=record.id, version=record.version, data=view)
    await emit_many(db, [event])
    return view


async def acknowledge_exception(db: AsyncSession, warehouse: str, exception_id: str, *, by: str) -> dict[str, Any]:
    """Someone is on it: the board shows who."""
    record = await _locked(db, warehouse, exception_id)
    return await _save(db, queue.acknowledge(record, by=by, now=datetime.now(UTC)), ExceptionAcknowledged)


async def resolve_exception(
    db: AsyncSession, warehouse: str, exception_id: str, *, by: str, resolution: str
) -> dict[str, Any]:
    """Close an exception with what was done about it."""
    record = await _locked(db, warehouse, exception_id)
    pending = await db.scalar(
        text("SELECT id FROM approvals WHERE exception_id = :id AND decision IS NULL"), {"id": exception_id}
    )
    if pending is not None:
        raise Conflict(
            "exception.awaits_approval",
            f"Approve or reject approval {pending}: that resolves this exception",
            exception=exception_id,
            approval=int(pending),
        )
    now = datetime.now(UTC)
    resolved = queue.resolve(record, by=by, now=now, resolution=resolution)
    view = await _save(db, resolved, ExceptionResolved)
    await _settle_task(db, resolved, now=now)
    return view


async def _settle_task(db: AsyncSession, record: ExceptionRecord, *, now: datetime) -> None:
    """A task parked by this exception leaves the board's exception column once it is resolved."""
    if not record.subject.startswith("task:"):
        return
    found = await tasks.load_ref(db, record.warehouse, record.subject.removeprefix("task:"))
    if found is None or found.task.state is not TaskState.EXCEPTION:
        return
    task = await tasks.load_locked(db, record.warehouse, found.id)
    settled = task_rules.settle_exception(task.task, now=now)
    if settled is task.task:
        return
    task.task = settled
    await tasks.save(db, task)
    await emit_many(db, [tasks.task_event(task)])


async def resolve_subject(db: AsyncSession, warehouse: str, subject: str, *, by: str, resolution: str) -> None:
    """Resolve every open exception about ``subject`` (e.g. ``order:SO-1`` once its hold is lifted)."""
    ids = list(
        await db.scalars(
            text(
                "SELECT id FROM exceptions WHERE warehouse = :wh AND subject = :s AND state <> 'resolved'"
                " ORDER BY id FOR UPDATE"
            ),
            {"wh": warehouse, "s": subject},
        )
    )
    for exception_id in ids:
        await resolve_exception(db, warehouse, exception_id, by=by, resolution=resolution)


def credit_hold(order_number: str, warehouse: str, reason: str, *, by: str, version: int) -> ExceptionRecord:
    """The exception a credit hold raises, so the hold shows in the supervisor's queue."""
    return queue.open_exception(
        f"{order_number}/credit_hold/{version}",
        ExceptionKind.CREDIT_HOLD,
        warehouse=warehouse,
        subject=f"order:{order_number}",
        message=f"Order {order_number} is on credit hold: {reason}",
        raised_by=by,
        now=datetime.now(UTC),
        details={"order": order_number, "reason": reason},
    )
