"""Guided picking: the next scan a handheld should ask for, scan validation, and short picks.

The handheld stays thin: it shows the prompt it is given and sends what was scanned. The accepted
scans are replayed on every call, so the answer depends only on the task and the scans, which is
what makes an offline queue replay land on the same step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import Conflict, DomainError, Rejected
from domain.exception_queue import ExceptionKind, ExceptionRecord, open_exception
from domain.tasks import Priority, Task, TaskKind, TaskState, mark_exception


class Step(StrEnum):
    LOCATION = "location"
    ITEM = "item"
    QUANTITY = "quantity"
    TOTE = "tote"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class PickItem:
    sku: str
    description: str
    lot_tracked: bool = False


@dataclass(frozen=True, slots=True)
class Scan:
    """What the device captured, already decoded (GS1 parsing lives in scanners/).

    ``value`` is a location code, a SKU or a tote label depending on the step; a quantity step
    sends ``qty``; an item scan carries ``lot`` when the barcode (or a second label) had one.
    """

    value: str = ""
    lot: str | None = None
    qty: int | None = None


@dataclass(frozen=True, slots=True)
class Prompt:
    step: Step
    task_id: str
    location: str
    sku: str
    description: str
    lot: str | None
    lot_required: bool
    qty_expected: int
    qty_picked: int | None
    tote: str | None


@dataclass(frozen=True, slots=True)
class _Progress:
    step: Step
    qty_picked: int | None = None


def _prompt(task: Task, item: PickItem, progress: _Progress) -> Prompt:
    return Prompt(
        step=progress.step,
        task_id=task.id,
        location=task.location.code,
        sku=item.sku,
        description=item.description,
        lot=task.lot,
        lot_required=item.lot_tracked,
        qty_expected=task.qty - task.qty_done,
        qty_picked=progress.qty_picked,
        tote=task.tote,
    )


def _refuse(code: str, message: str, **details: object) -> DomainError:
    return Rejected(code, message, **details)


def _advance(task: Task, item: PickItem, progress: _Progress, scan: Scan) -> _Progress:
    step = progress.step
    if step is Step.LOCATION:
        if scan.value != task.location.code:
            raise _refuse(
                "scan.wrong_location",
                f"Wrong location {scan.value}: go to {task.location.code}.",
                expected=task.location.code,
                scanned=scan.value,
            )
        return _Progress(Step.ITEM)
    if step is Step.ITEM:
        if scan.value != item.sku:
            raise _refuse(
                "scan.wrong_item",
                f"Wrong item {scan.value}: pick {item.sku}.",
                expected=item.sku,
                scanned=scan.value,
            )
        if item.lot_tracked and not scan.lot:
            raise _refuse("scan.lot_required", f"{item.sku} is lot tracked: scan its lot.", item=item.sku)
        if item.lot_tracked and task.lot is not None and scan.lot != task.lot:
            raise _refuse(
                "scan.wrong_lot",
                f"Wrong lot {scan.lot}: pick lot {task.lot}.",
                expected=task.lot,
                scanned=scan.lot,
            )
        return _Progress(Step.QUANTITY)
    if step is Step.QUANTITY:
        expected = task.qty - task.qty_done
        if scan.qty is None or scan.qty < 0:
            raise _refuse("pick.qty_invalid", "Enter the quantity picked (0 or more).", qty=scan.qty)
        if scan.qty > expected:
            raise _refuse(
                "pick.qty_exceeds_task",
                f"Picked {scan.qty} but the task asks for {expected}; put back the extra.",
                expected=expected,
                picked=scan.qty,
            )
        # nothing picked, nothing to drop in a tote
        needs_tote = task.tote is not None and scan.qty > 0
        return _Progress(Step.TOTE if needs_tote else Step.DONE, scan.qty)
    if step is Step.TOTE:
        if scan.value != task.tote:
            raise _refuse(
                "scan.wrong_tote",
                f"Wrong tote {scan.value}: use tote {task.tote}.",
                expected=task.tote,
                scanned=scan.value,
            )
        return _Progress(Step.DONE, progress.qty_picked)
    raise _refuse("pick.already_complete", f"Task {task.id} needs no more scans.", task=task.id)


def _replay(task: Task, item: PickItem, scans: Sequence[Scan]) -> _Progress:
    if task.kind is not TaskKind.PICK or item.sku != task.item:
        raise _refuse("pick.item_mismatch", f"Task {task.id} is not a pick of {item.sku}.", task=task.id)
    progress = _Progress(Step.LOCATION)
    for scan in scans:
        progress = _advance(task, item, progress, scan)
    return progress


def next_prompt(task: Task, item: PickItem, scans: Sequence[Scan]) -> Prompt:
    """What the handheld should ask for next, given the scans accepted so far."""
    return _prompt(task, item, _replay(task, item, scans))


def accept_scan(task: Task, item: PickItem, scans: Sequence[Scan], scan: Scan) -> Prompt:
    """Validate ``scan`` against the expected step; returns the following prompt or raises."""
    return _prompt(task, item, _advance(task, item, _replay(task, item, scans), scan))


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
        raise _refuse(
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
