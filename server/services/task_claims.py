"""Claiming work: a worker's next task, with the rest of its cluster trip, locked against other claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from server.outbox import emit_many
from server.services.tasks import TaskRecord, save, select, task_event

CANDIDATES = 32  # tasks a claim chooses from
_CLAIMABLE = "(t.state = 'open' OR (t.state IN ('assigned', 'in_progress') AND t.lease_expires_at <= :now))"
_WHERE = {
    "held_by": "t.warehouse = :wh AND t.claimed_by = :me AND t.state IN ('assigned', 'in_progress')",
    # the most urgent candidates, locked (SKIP LOCKED: pickers asking at once get different ones);
    # locking hundreds per claim would cost more than the choice gains
    "candidates": "t.warehouse = :wh AND t.kind = ANY(:kinds) AND (CAST(:wave AS text) IS NULL OR t.wave_id = :wave)"
    f" AND {_CLAIMABLE} AND t.id IN (SELECT id FROM tasks t WHERE warehouse = :wh"
    " AND kind = ANY(:kinds) AND (CAST(:wave AS text) IS NULL OR wave_id = :wave)"
    f" AND {_CLAIMABLE} ORDER BY priority DESC, id LIMIT {CANDIDATES} FOR UPDATE SKIP LOCKED)",
    # the rest of a cluster trip, whether or not its tasks were candidates
    "trip_mates": f"t.cluster_id = :c AND t.id <> :first AND {_CLAIMABLE}"
    " AND t.id IN (SELECT id FROM tasks WHERE cluster_id = :c FOR UPDATE SKIP LOCKED)",
}


async def claim_next(
    db: AsyncSession,
    worker: str,
    warehouse: str,
    *,
    kinds: Sequence[str],
    zones: Sequence[str] | None,
    wave: str | None = None,
) -> list[TaskRecord]:
    """The worker's next task (with the rest of its cluster trip), claimed; [] when there is none.

    Candidates are locked with SKIP LOCKED, so two pickers asking at once get different work.
    """
    now = datetime.now(UTC)
    held = await select(db, _WHERE["held_by"], {"wh": warehouse, "me": worker})
    params = {"wh": warehouse, "kinds": list(kinds), "now": now, "wave": wave}
    pool = held or await select(db, _WHERE["candidates"], params)
    all_zones = zones if zones is not None else sorted({r.task.zone for r in pool})
    chosen = rules.next_task([r.task for r in pool], worker, zones=all_zones, now=now)
    if chosen is None:
        return []
    first = next(r for r in pool if r.task.id == chosen.id)
    if first.task.claimed_by == worker and first.task.state in rules.ACTIVE_STATES:
        return sorted(held, key=lambda r: r.task.sequence)
    trip = [first]
    if first.task.cluster_id:
        mates = await select(db, _WHERE["trip_mates"], {"c": first.task.cluster_id, "first": first.id, "now": now})
        trip += [r for r in mates if rules.is_claimable(r.task, now=now)]
    claimed = rules.claim_cluster([r.task for r in trip], worker, now=now)
    for record, task in zip(trip, claimed, strict=True):
        record.task = task
        await save(db, record)
    await emit_many(db, [task_event(r) for r in trip])
    return sorted(trip, key=lambda r: r.task.sequence)
