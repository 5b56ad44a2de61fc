"""Guided picking: the bin, the item (with its lot when tracked), the quantity taken, then the tote.

A pick of nothing, or a task without a tote, skips the tote. Picking less than asked is a short
pick: the flow is done all the same and the server takes the short-pick path (domain/picking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Rejected
from domain.guided.base import Accepted, Done, Mark, Scan, Work, check_item, check_location, check_lot, check_quantity
from domain.tasks import TaskKind


class Step(StrEnum):
    LOCATION = "location"
    ITEM = "item"
    QUANTITY = "quantity"
    TOTE = "tote"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class PickPrompt:
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
class Closed:
    """A task that is no longer worked (done, cancelled, parked) asks for nothing."""

    task_id: str
    step: str = "done"


def _prompt(work: Work, step: Step, qty_picked: int | None) -> PickPrompt:
    t = work.task
    return PickPrompt(
        step=step,
        task_id=t.id,
        location=t.location.code,
        sku=t.item or "",
        description=work.description,
        lot=t.lot,
        lot_required=work.lot_tracked,
        qty_expected=work.remaining,
        qty_picked=qty_picked,
        tote=t.tote,
    )


def _quantity(work: Work, scan: Scan) -> int:
    expected = work.remaining

    def invalid() -> Rejected:
        return Rejected("pick.qty_invalid", "Enter the quantity picked (0 or more).", qty=scan.qty)

    def out_of_range(qty: int) -> Rejected:
        if qty < 0:
            return invalid()
        return Rejected(
            "pick.qty_exceeds_task",
            f"Picked {qty} but the task asks for {expected}; put back the extra.",
            expected=expected,
            picked=qty,
        )

    return check_quantity(scan.qty, most=expected, missing=invalid, out_of_range=out_of_range)


def _advance(work: Work, step: Step, qty_picked: int | None, scan: Scan) -> tuple[Step, int | None]:
    """The step after ``scan`` is accepted at ``step``, and the quantity picked so far."""
    t = work.task
    if step is Step.LOCATION:
        check_location(t.location.code, scan.value)
        return Step.ITEM, None
    if step is Step.ITEM:
        sku = t.item or ""
        check_item(sku, scan.value, verb="pick")
        if work.lot_tracked and not scan.lot:
            raise Rejected("scan.lot_required", f"{sku} is lot tracked: scan its lot.", item=sku)
        if work.lot_tracked:
            check_lot(t.lot, scan.lot, verb="pick")
        return Step.QUANTITY, None
    if step is Step.QUANTITY:
        qty = _quantity(work, scan)
        # nothing picked, nothing to drop in a tote
        return (Step.TOTE if t.tote is not None and qty > 0 else Step.DONE), qty
    if step is Step.TOTE:
        if scan.value != t.tote:
            raise Rejected(
                "scan.wrong_tote", f"Wrong tote {scan.value}: use tote {t.tote}.", expected=t.tote, scanned=scan.value
            )
        return Step.DONE, qty_picked
    raise Rejected("pick.already_complete", f"Task {t.id} needs no more scans.", task=t.id)


def _replay(work: Work, marks: Sequence[Mark]) -> tuple[Step, int | None]:
    step, qty = Step.LOCATION, None
    for m in marks:
        step, qty = _advance(work, step, qty, Scan(m.value, m.lot, m.qty))
    return step, qty


class PickFlow:
    """Pick tasks: location, item (and lot), quantity, tote."""

    kind = TaskKind.PICK
    restarts_when_resumed = True

    def next_prompt(self, work: Work, marks: Sequence[Mark]) -> PickPrompt | Closed:
        if not work.active:
            return Closed(work.task.id)
        return _prompt(work, *_replay(work, marks))

    def accept(self, work: Work, marks: Sequence[Mark], scan: Scan) -> Accepted:
        step, qty = _replay(work, marks)
        after, picked = _advance(work, step, qty, scan)
        mark = Mark(str(step), scan.value, scan.lot, scan.qty)
        done = None
        if after is Step.DONE:
            done = Done(qty=picked or 0, short=(picked or 0) < work.remaining)
        return Accepted((*marks, mark), _prompt(work, after, picked), done)
