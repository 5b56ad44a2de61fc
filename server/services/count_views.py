"""What counts look like from outside: the blind handheld view, count results and approvals for supervisors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid, NotFound
from domain.tasks import TaskKind
from server.services import tasks
from server.services.tasks import TaskRecord

APPROVAL_STATES = ("pending", "decided", "all")

_APPROVALS = """
SELECT a.id, a.warehouse, a.kind, a.subject, a.exception_id, a.details, a.requested_by, a.requested_at,
       a.decision, a.decided_by, a.decided_at, e.state AS exception_state, e.resolution
  FROM approvals a LEFT JOIN exceptions e ON e.id = a.exception_id
"""

_RESULTS = """
SELECT c.id, c.task_id, c.warehouse, l.code AS location, i.sku, c.lot, c.system_qty, c.counted_qty, c.variance_qty,
       c.variance_value, c.currency, c.action, c.adjusted, c.exception_id, c.approval_id, a.decision,
       a.decided_by, a.decided_at, c.counted_by, c.counted_at
  FROM count_results c JOIN locations l ON l.id = c.location_id JOIN items i ON i.id = c.item_id
  LEFT JOIN approvals a ON a.id = c.approval_id
"""


def handheld_view(record: TaskRecord) -> dict[str, Any]:
    """A task as a handheld may see it: a count task never shows the quantity the system expects."""
    view = tasks.task_view(record)
    if record.task.kind is TaskKind.COUNT:
        view.update(qty=None, qty_done=None)
    return view


def approval_view(row: Any) -> dict[str, Any]:
    """An approval with who asked and who decided, and when."""
    return {
        "id": int(row.id),
        "warehouse": row.warehouse,
        "kind": row.kind,
        "subject": row.subject,
        "exception": row.exception_id,
        "exception_state": row.exception_state,
        "details": dict(row.details or {}),
        "requested_by": row.requested_by,
        "requested_at": row.requested_at.isoformat(),
        "decision": row.decision,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "resolution": row.resolution,
        "version": 2 if row.decision else 1,
    }


async def load_approval(db: AsyncSession, approval_id: int) -> dict[str, Any]:
    """One approval; ``approval.not_found`` (404) when there is none."""
    row = (await db.execute(text(f"{_APPROVALS} WHERE a.id = :id"), {"id": approval_id})).first()
    if row is None:
        raise NotFound("approval.not_found", f"No approval {approval_id}.", approval=approval_id)
    return approval_view(row)


async def list_approvals(
    db: AsyncSession, warehouse: str, *, state: str, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Approvals of a warehouse: pending ones oldest first (a queue), decided ones newest first."""
    if state not in APPROVAL_STATES:
        raise Invalid("approval.unknown_state", f"State must be one of {', '.join(APPROVAL_STATES)}.", state=state)
    where = {"pending": "a.decision IS NULL", "decided": "a.decision IS NOT NULL", "all": "TRUE"}[state]
    order = "a.id" if state == "pending" else "a.id DESC"
    rows = await db.execute(
        text(f"{_APPROVALS} WHERE a.warehouse = :wh AND {where} ORDER BY {order} LIMIT :limit OFFSET :offset"),
        {"wh": warehouse, "limit": limit, "offset": offset},
    )
    return [approval_view(r) for r in rows]


def result_view(row: Any) -> dict[str, Any]:
    """One counted line against what the system held, and what became of the variance."""
    return {
        "id": int(row.id),
        "task": int(row.task_id),
        "warehouse": row.warehouse,
        "location": row.location,
        "sku": row.sku,
        "lot": row.lot or None,
        "system_qty": int(row.system_qty),
        "counted_qty": int(row.counted_qty),
        "variance_qty": int(row.variance_qty),
        "variance_value": int(row.variance_value),
        "currency": row.currency,
        "action": row.action,
        "adjusted": bool(row.adjusted),
        "exception": row.exception_id,
        "approval": row.approval_id,
        "decision": row.decision,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "counted_by": row.counted_by,
        "counted_at": row.counted_at.isoformat(),
    }


async def list_results(
    db: AsyncSession,
    warehouse: str,
    *,
    task_id: int | None,
    location: str | None,
    sku: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Count results of a warehouse, newest first, optionally of one task, location or item."""
    rows = await db.execute(
        text(
            f"{_RESULTS} WHERE c.warehouse = :wh AND (CAST(:task AS bigint) IS NULL OR c.task_id = :task)"
            " AND (CAST(:loc AS text) IS NULL OR l.code = :loc) AND (CAST(:sku AS text) IS NULL OR i.sku = :sku)"
            " ORDER BY c.id DESC LIMIT :limit OFFSET :offset"
        ),
        {
            "wh": warehouse,
            "task": task_id,
            "loc": location.strip().upper() if location else None,
            "sku": sku,
            "limit": limit,
            "offset": offset,
        },
    )
    return [result_view(r) for r in rows]
