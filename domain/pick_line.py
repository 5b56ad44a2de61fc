"""A whole pick line at once: every scan of the line checked together, and what confirming it does
to the order.

The handheld checks the scans against the task's manifest as they are made and sends them in one
confirm; the server checks them again here with the guided flow's own rules (domain/guided/pick), so a
line confirmed in one request and a line scanned step by step accept and refuse the same scans
with the same codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain import orders as order_rules
from domain.errors import DomainError, Invalid, Rejected
from domain.guided.base import Mark, Scan, Work
from domain.guided.pick import PickFlow, Step
from domain.orders import OrderStatus
from domain.tasks import TaskKind

Decoded = Scan | DomainError  # a scan as the server read it, or why it could not be read


@dataclass(frozen=True, slots=True)
class LineScans:
    """The scans of one line, each decoded by the caller (or the error decoding it raised):
    the bin, the item (SKU and lot), the quantity, the tote (``None`` when none was sent)."""

    location: Decoded
    item: Decoded
    qty: int
    tote: Decoded | None = None


def verify_line(work: Work, scans: LineScans) -> tuple[Mark, ...]:
    """Check every scan of the line in the guided order; returns the accepted steps or raises.

    A scan that could not be decoded is refused when the flow reaches its step, so the first wrong
    scan of the line is the one reported, as in the guided flow. A tote is needed only when
    something went into it; one left out then is refused as an empty scan at the tote step.
    """
    if work.task.kind is not TaskKind.PICK:
        raise Rejected("task.not_guided", f"{work.task.kind} tasks are not confirmed as pick lines")
    missing_tote = Invalid("scan.empty", "Nothing scanned. Scan again", step=str(Step.TOTE))
    by_step: dict[Step, Decoded] = {
        Step.LOCATION: scans.location,
        Step.ITEM: scans.item,
        Step.QUANTITY: Scan(qty=scans.qty),
        Step.TOTE: scans.tote if scans.tote is not None else missing_tote,
    }
    flow = PickFlow()
    marks: tuple[Mark, ...] = ()
    step = flow.next_prompt(work, marks).step
    if step == Step.DONE:  # a task no longer worked takes no line
        raise Rejected("pick.already_complete", f"Task {work.task.id} needs no more scans.", task=work.task.id)
    while step != Step.DONE:
        scan = by_step[Step(step)]
        if isinstance(scan, DomainError):
            raise scan
        accepted = flow.accept(work, marks, scan)
        marks, step = accepted.marks, accepted.prompt.step
    return marks


@dataclass(frozen=True, slots=True)
class AllocationTake:
    """Which allocation rows follow ``qty`` picked units: whole rows move, at most one is split."""

    moved: tuple[int, ...]
    split: int | None
    split_qty: int
    missing: int  # units the rows did not cover


def take_allocations(rows: Sequence[tuple[int, int]], qty: int) -> AllocationTake:
    """Take ``qty`` from allocation rows ``(id, qty)``, oldest first."""
    left = qty
    moved: list[int] = []
    for row_id, row_qty in rows:
        if left == 0:
            break
        if row_qty <= left:
            moved.append(row_id)
            left -= row_qty
            continue
        return AllocationTake(tuple(moved), row_id, left, 0)
    return AllocationTake(tuple(moved), None, 0, left)


def order_steps(status: OrderStatus, *, open_picks_left: int) -> list[OrderStatus]:
    """The statuses an order goes through when one of its pick lines is confirmed.

    A released order starts picking with its first line; it is picked when no pick task of it is
    open any more. Each step is checked against the order's transition rules.
    """
    steps: list[OrderStatus] = []
    current = status
    if current is OrderStatus.RELEASED:
        current = order_rules.transition(current, OrderStatus.PICKING)
        steps.append(current)
    if open_picks_left == 0 and current is not OrderStatus.PICKED:
        steps.append(order_rules.transition(current, OrderStatus.PICKED))
    return steps
