"""Guided replenishment: the reserve bin, the item (and lot), the quantity taken, then the pick face.

Taking less than asked (the reserve held less than the system thought) finishes the task with what
was moved; taking nothing finishes it at once. Either way the server orders a count of the reserve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import Conflict, Rejected
from domain.guided.base import (
    Accepted,
    Done,
    Mark,
    Scan,
    Work,
    check_item,
    check_location,
    check_lot,
    check_quantity,
    last,
)
from domain.guided.moves import MovePrompt, move_fields
from domain.tasks import TaskKind

STEPS = ("location", "item", "quantity", "to_location")


@dataclass(frozen=True, slots=True)
class ReplenishPrompt(MovePrompt):
    taken: int | None  # what the worker took from the reserve, once entered


def _step(work: Work, marks: Sequence[Mark]) -> str:
    if not work.active:
        return "done"
    return next((s for s in STEPS if last(marks, s) is None), "to_location")


def _taken(marks: Sequence[Mark]) -> int | None:
    taken = last(marks, "quantity")
    return taken.qty if taken else None


def _quantity(work: Work, scan: Scan) -> int:
    remaining = work.remaining
    qty = check_quantity(
        None if scan.value else scan.qty,
        most=remaining,
        missing=lambda: Rejected("replenish.quantity_required", "Enter how many you took from the reserve."),
        out_of_range=lambda q: Rejected(
            "replenish.qty_out_of_range", f"Take 0 to {remaining}.", qty=q, expected=remaining
        ),
    )
    free = work.free_at_source
    if qty and free is not None and qty > free:
        t = work.task
        raise Conflict("stock.insufficient", f"Only {free} {t.item} free at {t.location.code}.", free=free, qty=qty)
    return qty


class ReplenishFlow:
    """Replenish tasks: location, item, quantity, to_location (the face)."""

    kind = TaskKind.REPLENISH
    restarts_when_resumed = False

    def next_prompt(self, work: Work, marks: Sequence[Mark]) -> ReplenishPrompt:
        return ReplenishPrompt(**move_fields(work, _step(work, marks)), taken=_taken(marks))

    def accept(self, work: Work, marks: Sequence[Mark], scan: Scan) -> Accepted:
        t = work.task
        step = _step(work, marks)
        kept = tuple(marks)
        done = None
        if step == "quantity":
            qty = _quantity(work, scan)
            if qty == 0:
                done = Done(qty=0, short=True)
            else:
                kept += (Mark("quantity", qty=qty),)
        elif step == "item":
            check_item(t.item, scan.value, verb="take")
            check_lot(t.lot, scan.lot, verb="take")
            kept += (Mark("item", scan.value, scan.lot),)
        else:
            expected = t.location.code if step == "location" else (t.to_location.code if t.to_location else "")
            check_location(expected, scan.value)
            kept += (Mark(step, scan.value),)
            if step == "to_location":
                qty = _taken(kept) or 0
                done = Done(qty=qty, short=qty < work.remaining, to_location=scan.value)
        return Accepted(kept, self.next_prompt(work, kept), done)
