"""``task.*``: a task's life on the floor. ``data`` is the task as the board shows it (kind, state,
location, SKU, lot, quantities except for blind counts, order, wave, tote, ``assigned_to``, lease, reason,
version)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from domain.events.base import Audience, Event, Worker
from domain.events.topics import BOARD, MY_TASKS

ASSIGNED_KEY = "assigned_to"
PREVIOUS_KEY = "previous_assigned_to"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskEvent(Event):
    """A task changed. Supervisors see it on the board; the worker holding it (``assignee``) sees it on
    ``my-tasks``, and so does the one who held it before when it was handed over (``previous_assignee``)."""

    entity: ClassVar[str] = "task"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD, MY_TASKS})
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (("assignee", ASSIGNED_KEY), ("previous_assignee", PREVIOUS_KEY))

    assignee: Worker | None
    previous_assignee: Worker | None = None
    handed_over: bool = False  # taken from ``previous_assignee`` by a supervisor or a lapsed lease

    def routing(self) -> dict[str, Any]:
        routes = {ASSIGNED_KEY: self.assignee}
        return {**routes, PREVIOUS_KEY: self.previous_assignee} if self.handed_over else routes

    @classmethod
    def audience(cls, data: Mapping[str, Any]) -> Audience:
        named = (data.get(ASSIGNED_KEY), data.get(PREVIOUS_KEY))
        return Audience(workers=frozenset(w for w in named if isinstance(w, str | int)))


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCreated(TaskEvent):
    """Emitted when tasks are created (wave release, receipt close, replenishment, counts)."""

    type: ClassVar[str] = "task.created"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskReleased(TaskEvent):
    """Emitted when a task is back in the pool (open): released by a supervisor, or its lease swept."""

    type: ClassVar[str] = "task.released"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskAssigned(TaskEvent):
    """Emitted when a worker claims a task (next task, a batch of a cluster) and holds its lease."""

    type: ClassVar[str] = "task.assigned"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStarted(TaskEvent):
    """Emitted on the first accepted scan of a task (it is in progress)."""

    type: ClassVar[str] = "task.started"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCompleted(TaskEvent):
    """Emitted when a task's last step is confirmed (picked, put away, replenished, counted)."""

    type: ClassVar[str] = "task.completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCancelled(TaskEvent):
    """Emitted when a task is cancelled (its order or wave no longer needs it)."""

    type: ClassVar[str] = "task.cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskExceptionRaised(TaskEvent):
    """Emitted when a task stops on an exception (short pick, damage, a bin that is not there)."""

    type: ClassVar[str] = "task.exception_raised"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskReassigned(TaskEvent):
    """Emitted when a supervisor hands a task to another worker; ``data.previous_assigned_to`` names who
    held it, so that handheld drops it live."""

    type: ClassVar[str] = "task.reassigned"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskLeaseExpired(TaskEvent):
    """Emitted when the sweep puts a task whose holder went idle back in the pool;
    ``data.previous_assigned_to`` names who held it."""

    type: ClassVar[str] = "task.lease_expired"


TASK_EVENTS: tuple[type[TaskEvent], ...] = (
    TaskCreated,
    TaskReleased,
    TaskAssigned,
    TaskStarted,
    TaskCompleted,
    TaskCancelled,
    TaskExceptionRaised,
    TaskReassigned,
    TaskLeaseExpired,
)
