"""Warehouse tasks: kinds, an explicit state machine, leases and next-task selection.

A claim is a lease, not ownership: a handheld that drops off Wi-Fi stops renewing, the lease runs
out and the task becomes claimable again, so work never stays stuck on a dead device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from domain.errors import Conflict, Invalid


class TaskKind(StrEnum):
    PICK = "pick"
    PUTAWAY = "putaway"
    REPLENISH = "replenish"
    COUNT = "count"
    MOVE = "move"


class TaskState(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    EXCEPTION = "exception"


class Priority(IntEnum):
    """Higher runs first; order priorities map onto the same integer scale."""

    LOW = 10
    NORMAL = 50
    HIGH = 80
    URGENT = 100


_S = TaskState
TRANSITIONS: Mapping[TaskState, frozenset[TaskState]] = {
    _S.OPEN: frozenset({_S.ASSIGNED, _S.CANCELLED}),
    # assigned -> assigned is a supervisor reassignment; -> open is a release or an expired lease
    _S.ASSIGNED: frozenset({_S.ASSIGNED, _S.IN_PROGRESS, _S.OPEN, _S.CANCELLED}),
    _S.IN_PROGRESS: frozenset({_S.ASSIGNED, _S.OPEN, _S.DONE, _S.EXCEPTION, _S.CANCELLED}),
    # a supervisor settles an exception: accept it as done, re-queue it, hand it to someone, or drop it
    _S.EXCEPTION: frozenset({_S.OPEN, _S.ASSIGNED, _S.DONE, _S.CANCELLED}),
    _S.DONE: frozenset(),
    _S.CANCELLED: frozenset(),
}
ACTIVE_STATES = frozenset({_S.ASSIGNED, _S.IN_PROGRESS})
DEFAULT_LEASE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Spot:
    """A location as the floor sees it: code, zone, walk order and coordinates (any integer unit)."""

    code: str
    zone: str
    x: int = 0
    y: int = 0
    pick_sequence: int = 0


def walk_distance(a: Spot, b: Spot) -> int:
    """Manhattan distance: people walk along aisles, not through racking."""
    return abs(a.x - b.x) + abs(a.y - b.y)


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    kind: TaskKind
    warehouse: str
    location: Spot  # where the work starts: pick/count bin, replenish or move source, putaway dock
    item: str | None = None
    lot: str | None = None
    qty: int = 0
    to_location: Spot | None = None
    priority: int = Priority.NORMAL
    state: TaskState = TaskState.OPEN
    order_id: str | None = None
    order_line: int | None = None
    wave_id: str | None = None
    cluster_id: str | None = None
    tote: str | None = None
    sequence: int = 0  # position in the cluster's walk
    qty_done: int = 0
    claimed_by: str | None = None
    lease_expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reason: str | None = None
    version: int = 1

    @property
    def zone(self) -> str:
        return self.location.zone


def transition(task: Task, to: TaskState, *, now: datetime, **changes: object) -> Task:
    """Move ``task`` to state ``to`` if the table allows it, bumping its version."""
    if to not in TRANSITIONS[task.state]:
        raise Conflict(
            "task.invalid_transition",
            f"Task {task.id} cannot go from {task.state} to {to}.",
            task=task.id,
            state=task.state.value,
            to=to.value,
        )
    return replace(task, state=to, updated_at=now, version=task.version + 1, **changes)  # type: ignore[arg-type]


def is_lease_expired(task: Task, *, now: datetime) -> bool:
    """True when an active task's holder has been idle past the lease."""
    return task.state in ACTIVE_STATES and task.lease_expires_at is not None and task.lease_expires_at <= now


def is_claimable(task: Task, *, now: datetime) -> bool:
    """Open tasks, and active tasks whose lease ran out, may be claimed by anyone."""
    return task.state is TaskState.OPEN or is_lease_expired(task, now=now)


def claim(task: Task, worker: str, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Task:
    """Give ``worker`` a lease on ``task``; claiming one's own task again just renews the lease."""
    if task.claimed_by == worker and task.state in ACTIVE_STATES:
        return renew(task, worker, now=now, lease=lease)
    if not is_claimable(task, now=now):
        raise Conflict(
            "task.already_claimed",
            f"Task {task.id} is held by {task.claimed_by or 'nobody'} ({task.state}).",
            task=task.id,
            claimed_by=task.claimed_by,
        )
    if task.state is not TaskState.OPEN:
        task = release(task, now=now)
    return transition(task, TaskState.ASSIGNED, now=now, claimed_by=worker, lease_expires_at=now + lease)


def _require_holder(task: Task, worker: str) -> None:
    if task.claimed_by != worker:
        raise Conflict(
            "task.not_claimed_by_worker",
            f"Task {task.id} is not assigned to {worker}; ask for a new task.",
            task=task.id,
            claimed_by=task.claimed_by,
        )


def renew(task: Task, worker: str, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Task:
    """Extend the holder's lease on activity (a scan, a heartbeat)."""
    _require_holder(task, worker)
    if task.state not in ACTIVE_STATES:
        raise Conflict("task.not_active", f"Task {task.id} is {task.state}.", task=task.id)
    return replace(task, lease_expires_at=now + lease, updated_at=now)


def start(task: Task, worker: str, *, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Task:
    """The holder begins work (first scan); starting an in-progress task renews the lease."""
    _require_holder(task, worker)
    if task.state is TaskState.IN_PROGRESS:
        return renew(task, worker, now=now, lease=lease)
    return transition(task, TaskState.IN_PROGRESS, now=now, lease_expires_at=now + lease)


def release(task: Task, *, now: datetime, reason: str | None = None) -> Task:
    """Back to the open pool with no holder; work already done (``qty_done``) is kept."""
    return transition(task, TaskState.OPEN, now=now, claimed_by=None, lease_expires_at=None, reason=reason)


def release_if_expired(task: Task, *, now: datetime) -> Task:
    """Return the task to the pool if its lease ran out, else unchanged (for a periodic sweep)."""
    return release(task, now=now, reason="lease_expired") if is_lease_expired(task, now=now) else task


def reassign(task: Task, worker: str, *, supervisor: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Task:
    """A supervisor hands the task to ``worker`` whatever the current lease."""
    return transition(
        task,
        TaskState.ASSIGNED,
        now=now,
        claimed_by=worker,
        lease_expires_at=now + lease,
        reason=f"reassigned by {supervisor}",
    )


def complete(task: Task, worker: str, *, now: datetime, qty_done: int | None = None) -> Task:
    """The holder finishes the task; ``qty_done`` defaults to the full quantity."""
    _require_holder(task, worker)
    done = task.qty if qty_done is None else qty_done
    if not 0 <= done <= task.qty:
        raise Invalid("task.qty_out_of_range", f"Done quantity {done} is outside 0..{task.qty}.")
    return transition(task, TaskState.DONE, now=now, qty_done=done, lease_expires_at=None)


def mark_exception(task: Task, *, reason: str, now: datetime, qty_done: int | None = None) -> Task:
    """Park an in-progress task for a supervisor (short pick, damaged stock, blocked bin)."""
    done = task.qty_done if qty_done is None else qty_done
    return transition(task, TaskState.EXCEPTION, now=now, reason=reason, qty_done=done, lease_expires_at=None)


def settle_exception(task: Task, *, now: datetime) -> Task:
    """A supervisor resolved what parked the task: it closes with what was done (the rest, as after a
    short pick, already went to another bin or a backorder); a task in any other state is left alone."""
    if task.state is not TaskState.EXCEPTION:
        return task
    return transition(task, TaskState.DONE, now=now, lease_expires_at=None)


def cancel(task: Task, *, reason: str, now: datetime) -> Task:
    """Cancel a task that is not finished yet."""
    return transition(task, TaskState.CANCELLED, now=now, reason=reason, lease_expires_at=None)


def next_task(
    tasks: Iterable[Task],
    worker: str,
    *,
    zones: Iterable[str],
    now: datetime,
    last_location: Spot | None = None,
) -> Task | None:
    """The task ``worker`` should do next: what they already hold, else the best claimable one.

    Held tasks come back in walk order (a cluster trip); otherwise candidates in the worker's zones
    are ranked by priority, then walking distance from ``last_location``, then age.
    """
    pool = list(tasks)
    held = [t for t in pool if t.claimed_by == worker and t.state in ACTIVE_STATES]
    if held:
        return min(held, key=lambda t: (t.state is not TaskState.IN_PROGRESS, t.sequence, t.id))
    allowed = set(zones)
    candidates = [t for t in pool if t.zone in allowed and is_claimable(t, now=now)]
    if not candidates:
        return None

    def rank(t: Task) -> tuple[int, int, int, datetime, str]:
        distance = walk_distance(last_location, t.location) if last_location else 0
        created = t.created_at or datetime.min.replace(tzinfo=now.tzinfo)
        return (-t.priority, distance, t.sequence, created, t.id)

    return min(candidates, key=rank)


def claim_cluster(
    tasks: Iterable[Task], worker: str, *, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> tuple[Task, ...]:
    """Claim every task of a cluster trip together, so one picker carries all its totes."""
    return tuple(claim(t, worker, now=now, lease=lease) for t in tasks)
