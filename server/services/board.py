"""The supervisor's task board: work by status, zone and worker, and the leases a supervisor manages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.errors import Rejected
from domain.events import TaskEvent, TaskLeaseExpired, TaskReassigned
from realtime.positions import stream_position
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks

ACTIVE = ("open", "assigned", "in_progress", "exception")
DONE_SHOWN = 100  # tasks done today that the board lists (it counts them all)


async def task_board(db: AsyncSession, warehouse: str, *, limit: int) -> dict[str, Any]:
    """Counts by status, zone and worker, the active tasks (most urgent first), and the queue sizes.

    ``as_of`` is the stream position the board is true at: subscribe to the task board from there.
    """
    as_of = await stream_position(db, warehouse)
    now = datetime.now(UTC)
    counts = await db.execute(
        text(
            "SELECT t.kind, t.state, l.zone, t.claimed_by,"
            " (t.state IN ('assigned', 'in_progress') AND t.lease_expires_at <= :now) AS lapsed, count(*) AS n"
            " FROM tasks t JOIN locations l ON l.id = t.location_id"
            " WHERE t.warehouse = :wh AND t.state = ANY(:active) GROUP BY 1, 2, 3, 4, 5"
        ),
        {"wh": warehouse, "active": list(ACTIVE), "now": now},
    )
    by_state: dict[str, int] = dict.fromkeys(ACTIVE, 0)
    by_kind: dict[str, dict[str, int]] = {}
    by_zone: dict[str, dict[str, int]] = {}
    by_worker: dict[str, dict[str, int]] = {}
    lapsed = 0
    for r in counts:
        n = int(r.n)
        by_state[r.state] = by_state.get(r.state, 0) + n
        by_kind.setdefault(r.kind, {}).setdefault(r.state, 0)
        by_kind[r.kind][r.state] += n
        by_zone.setdefault(r.zone, {}).setdefault(r.state, 0)
        by_zone[r.zone][r.state] += n
        if r.claimed_by:
            by_worker.setdefault(r.claimed_by, {}).setdefault(r.state, 0)
            by_worker[r.claimed_by][r.state] += n
        lapsed += n if r.lapsed else 0
    since = now.replace(hour=0, minute=0, second=0, microsecond=0)
    done_today = await db.scalar(
        text("SELECT count(*) FROM tasks WHERE warehouse = :wh AND state = 'done' AND updated_at >= :since"),
        {"wh": warehouse, "since": since},
    )
    queues = (
        await db.execute(
            text(
                "SELECT (SELECT count(*) FROM exceptions WHERE warehouse = :wh AND state <> 'resolved') AS exceptions,"
                " (SELECT count(*) FROM approvals WHERE warehouse = :wh AND decision IS NULL) AS approvals"
            ),
            {"wh": warehouse},
        )
    ).one()
    active = await tasks.load_in_states(db, warehouse, ACTIVE)
    active.sort(key=lambda r: (-r.task.priority, r.id))
    # the latest done today too, so the board's done column shows what its "done today" tile counts
    done = await tasks.load_done_since(db, warehouse, since, newest=DONE_SHOWN)
    return {
        "warehouse": warehouse,
        "as_of": as_of,
        "by_state": by_state,
        "by_kind": by_kind,
        "by_zone": by_zone,
        "by_worker": by_worker,
        "lapsed_leases": lapsed,
        "done_today": int(done_today or 0),
        "open_exceptions": int(queues.exceptions),
        "pending_approvals": int(queues.approvals),
        "tasks": [tasks.task_view(r) for r in [*active[:limit], *done]],
    }


async def _worker_exists(db: AsyncSession, username: str, warehouse: str) -> None:
    found = await db.scalar(
        text(
            "SELECT 1 FROM users u WHERE u.username = :u AND NOT u.disabled AND ('admin' = ANY(u.roles) OR EXISTS ("
            " SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.warehouse = :wh))"
        ),
        {"u": username, "wh": warehouse},
    )
    if not found:
        raise Rejected("task.unknown_worker", f"{username} does not work in {warehouse}")


async def reassign_task(
    db: AsyncSession, principal: Principal, warehouse: str, task_id: int, *, worker: str | None
) -> dict[str, Any]:
    """Hand a task to another worker (a fresh lease), or with no worker put it back in the pool."""
    record = await tasks.load_locked(db, warehouse, task_id)
    previous = record.task.claimed_by
    now = datetime.now(UTC)
    if worker is None:
        reason = f"released by {principal.username}"
        record.task = rules.release(record.task, now=now, reason=reason)
    else:
        await _worker_exists(db, worker, warehouse)
        record.task = rules.reassign(record.task, worker, supervisor=principal.username, now=now)
    await tasks.save(db, record)
    await emit_many(db, [_handed_over(tasks.task_event(record, TaskReassigned if worker else None), previous)])
    return tasks.task_view(record)


def _handed_over(event: TaskEvent, previous: str | None) -> TaskEvent:
    """The event also names who held the task before, so that worker's handheld drops it live."""
    return replace(event, previous_assignee=previous, handed_over=True)


async def release_lapsed_leases(db: AsyncSession, *, now: datetime, limit: int = 200) -> int:
    """Put tasks whose holder went idle past the lease back in the pool, so the board shows the truth.

    Claiming already skips over lapsed leases; this sweep makes them visible as open (with an event).
    Tasks held by a command right now are skipped and caught by the next sweep.
    """
    ids = list(
        await db.scalars(
            text(
                "SELECT id FROM tasks WHERE state IN ('assigned', 'in_progress') AND lease_expires_at <= :now"
                " ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
            ),
            {"now": now, "limit": limit},
        )
    )
    if not ids:
        return 0
    records = await tasks.load_ids(db, ids)
    events = []
    for record in records:
        previous = record.task.claimed_by
        record.task = rules.release_if_expired(record.task, now=now)
        await tasks.save(db, record)
        events.append(_handed_over(tasks.task_event(record, TaskLeaseExpired), previous))
    await emit_many(db, events)
    return len(records)
