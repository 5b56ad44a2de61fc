"""Guided putaway: the dock (from), the item (and lot), then the bin; another bin than suggested needs a re-scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.guided.base import Accepted, Done, Mark, Scan, Work, check_item, check_location, check_lot
from domain.guided.moves import MovePrompt, move_fields
from domain.putaway import check_destination
from domain.tasks import TaskKind


@dataclass(frozen=True, slots=True)
class PutawayPrompt(MovePrompt):
    scanned_location: str | None  # the other bin scanned, waiting for its confirming re-scan


def _pending(marks: Sequence[Mark]) -> Mark | None:
    return next((m for m in marks if m.step == "to_location" and m.pending), None)


def _step(work: Work, marks: Sequence[Mark]) -> str:
    done = {m.step for m in marks}
    if not work.active:
        return "done"
    if "location" not in done:
        return "location"
    if "item" not in done:
        return "item"
    return "confirm_location" if _pending(marks) else "to_location"


class PutawayFlow:
    """Putaway tasks: location, item, to_location (and confirm_location for another bin)."""

    kind = TaskKind.PUTAWAY
    restarts_when_resumed = False

    def next_prompt(self, work: Work, marks: Sequence[Mark]) -> PutawayPrompt:
        pending = _pending(marks)
        scanned = pending.value if pending else None
        return PutawayPrompt(**move_fields(work, _step(work, marks)), scanned_location=scanned)

    def accept(self, work: Work, marks: Sequence[Mark], scan: Scan) -> Accepted:
        t = work.task
        step = _step(work, marks)
        kept = tuple(marks)
        done = None
        if step == "location":
            check_location(t.location.code, scan.value)
            kept += (Mark("location", scan.value),)
        elif step == "item":
            check_item(t.item, scan.value, verb="put away")
            check_lot(t.lot, scan.lot, verb="put away")
            kept += (Mark("item", scan.value, scan.lot),)
        else:
            suggested = t.to_location.code if t.to_location else scan.value
            pending = _pending(marks)
            check = check_destination(
                suggested, pending.value if pending else scan.value, confirmation=scan.value if pending else None
            )
            kept = tuple(m for m in kept if m is not pending)
            if not check.accepted:
                kept += (Mark("to_location", scan.value, pending=True),)
            else:
                kept += (Mark("to_location", check.to_location, overridden=check.overridden),)
                done = Done(qty=work.remaining, short=False, to_location=check.to_location)
        return Accepted(kept, self.next_prompt(work, kept), done)
