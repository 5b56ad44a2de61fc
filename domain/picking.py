"""Short picks: a picker found less than asked. (The guided scans of a pick: domain/guided/pick.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import Conflict, Rejected
from domain.exception_queue import ExceptionKind, ExceptionRecord, open_exception
from domain.tasks import Priority, Task, TaskKind, TaskState, mark_exception


@dataclass(frozen=True, slots=True)
class ShortPickDecision:
    task: Task  # now in the exception state, qty_done = what was picked
    picked: int
    remainder: int  # to be re-allocated by the caller
    exception: ExceptionRecord
    count_task: Task
    zero_check: bool  # the bin should now be empty: the count only has to confirm it


def decide_short_pick(
    task: Task,
    *,
    picked: int,
    system_on_hand: int,
    location_on_hand: int,
    reported_by: str,
    now: datetime,
) -> ShortPickDecision:
    """A picker found less than asked: park the task, raise an exception, count the bin.

    ``system_on_hand`` is the recorded stock of the task's item and lot at the bin before the
    pick, ``location_on_hand`` everything recorded at that bin. A short pick means the picker
    took all there was of the item, so when nothing else is recorded there the bin is empty and
    the count is a zero check.
    """
    expected = task.qty - task.qty_done
    if not 0 <= picked < expected:
        raise Rejected(
            "pick.not_short", f"{picked} of {expected} is not a short pick.", picked=picked, expected=expected
        )
    if task.state is not TaskState.IN_PROGRESS:
        raise Conflict("pick.not_in_progress", f"Task {task.id} is {task.state}.", task=task.id)
    remainder = expected - picked
    zero_check = location_on_hand - system_on_hand <= 0
    facts: dict[str, str | int | bool | None] = {
        "task": task.id,
        "order": task.order_id,
        "location": task.location.code,
        "item": task.item,
        "lot": task.lot,
        "expected": expected,
        "picked": picked,
        "remainder": remainder,
        "system_on_hand": system_on_hand,
    }
    exception = open_exception(
        f"{task.id}/short",
        ExceptionKind.SHORT_PICK,
        warehouse=task.warehouse,
        subject=f"task:{task.id}",
        message=f"Short pick at {task.location.code}: {picked} of {expected} {task.item}.",
        raised_by=reported_by,
        now=now,
        details=facts,
    )
    count_task = Task(
        id=f"{task.id}/count",
        kind=TaskKind.COUNT,
        warehouse=task.warehouse,
        location=task.location,
        item=task.item,
        lot=task.lot,
        qty=max(system_on_hand - picked, 0),  # what the system will expect; hidden on a blind count
        priority=Priority.HIGH,
        created_at=now,
        updated_at=now,
        reason="zero_check" if zero_check else "short_pick",
    )
    return ShortPickDecision(
        task=mark_exception(task, reason="short_pick", now=now, qty_done=task.qty_done + picked),
        picked=picked,
        remainder=remainder,
        exception=exception,
        count_task=count_task,
        zero_check=zero_check,
    )


def needs_zero_check(*, system_on_hand: int, picked: int) -> bool:
    """A full pick that takes the last recorded unit: ask the picker to confirm the bin is empty."""
    return system_on_hand - picked <= 0
