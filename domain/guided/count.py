"""Guided blind counts: the location, then each item (and its lot) with the quantity found, repeated.

The prompts carry what the worker counted, never what the system holds. Quantities are kept in
base units (a case label counts its factor). A count finishes by its own command once the last
item's quantity is in (``check_finish``); what it counted is ``counted``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from domain.errors import Conflict, Rejected
from domain.guided.base import Accepted, Mark, Scan, Work, check_item, check_location, check_lot, check_quantity, last
from domain.tasks import TaskKind

MAX_COUNTED = 10**9  # a typo guard: no bin holds a billion units
VERB = "this count is for"


@dataclass(frozen=True, slots=True)
class CountedQty:
    qty: int  # base units
    expiry: date | None = None  # from a GS1 label, for a lot the warehouse has not seen yet


@dataclass(frozen=True, slots=True)
class CountedEntry:
    sku: str
    lot: str | None
    qty: int


@dataclass(frozen=True, slots=True)
class CountPrompt:
    step: str
    task_id: str
    location: str
    sku: str | None  # None: count every item in the location
    lot: str | None
    description: str
    scanned_sku: str | None
    scanned_lot: str | None
    uom_factor: int | None
    can_finish: bool
    lot_tracked: bool | None  # a one-item count tells whether its item needs a lot, for offline counting
    counted: list[CountedEntry]


def next_step(marks: Sequence[Mark]) -> str:
    """Where a count stands: location first, then item, lot (a lot-tracked item scanned without one), quantity."""
    if last(marks, "location") is None:
        return "location"
    if marks[-1].step == "item":
        return "lot" if marks[-1].needs_lot else "quantity"
    return "item"


def counted(marks: Sequence[Mark]) -> dict[tuple[str, str], CountedQty]:
    """What the worker counted so far, per (sku, lot), in base units."""
    lines: dict[tuple[str, str], CountedQty] = {}
    expiry: dict[tuple[str, str], str | None] = {}
    for m in marks:
        key = (m.value, m.lot or "")
        if m.step == "item":
            expiry[key] = m.expiry
        if m.step == "quantity":
            before = lines.get(key)
            when = expiry.get(key)
            lines[key] = CountedQty(
                (before.qty if before else 0) + (m.qty or 0), date.fromisoformat(when) if when else None
            )
    return lines


def check_finish(marks: Sequence[Mark], *, location: str) -> None:
    """A count finishes only after its location and with no item waiting for its quantity."""
    step = next_step(marks)
    if step == "location":
        raise Conflict("count.not_started", f"Scan {location} before finishing.", step=step)
    if step != "item":
        raise Conflict("count.quantity_pending", "Enter the quantity of the last item scanned first.", step=step)


def _quantity(marks: Sequence[Mark], scan: Scan, step: str) -> Mark:
    qty = check_quantity(
        None if scan.value else scan.qty,
        most=MAX_COUNTED,
        missing=lambda: Rejected("count.quantity_required", "Enter the quantity you counted.", step=step),
        out_of_range=lambda q: Rejected("count.invalid_quantity", f"A count is 0 to {MAX_COUNTED}.", qty=q),
    )
    item = marks[-1]
    return Mark("quantity", item.value, item.lot or "", qty * item.factor)


def _item(work: Work, scan: Scan) -> Mark:
    t = work.task
    check_item(t.item, scan.value, verb=VERB)
    lot = (scan.lot or "") if scan.lot_tracked else ""
    check_lot(t.lot, lot, verb=VERB)
    needs_lot = scan.lot_tracked and not lot
    return Mark("item", scan.value, lot, factor=scan.factor, expiry=scan.expiry, needs_lot=needs_lot)


class CountFlow:
    """Count tasks: location, then item, (lot), quantity for each item found."""

    kind = TaskKind.COUNT
    restarts_when_resumed = False

    def next_prompt(self, work: Work, marks: Sequence[Mark]) -> CountPrompt:
        t = work.task
        step = next_step(marks) if work.active else "done"
        pending = marks[-1] if step in ("lot", "quantity") else None
        return CountPrompt(
            step=step,
            task_id=t.id,
            location=t.location.code,
            sku=t.item,
            lot=t.lot,
            description=work.description,
            scanned_sku=pending.value if pending else None,
            scanned_lot=(pending.lot or None) if pending else None,
            uom_factor=pending.factor if pending else None,
            can_finish=step == "item",
            lot_tracked=work.lot_tracked if t.item else None,
            counted=[CountedEntry(s, lot or None, c.qty) for (s, lot), c in sorted(counted(marks).items())],
        )

    def accept(self, work: Work, marks: Sequence[Mark], scan: Scan) -> Accepted:
        t = work.task
        step = next_step(marks)
        kept = tuple(marks)
        if step == "quantity":
            kept += (_quantity(marks, scan, step),)
        elif step == "location":
            check_location(t.location.code, scan.value, verb="count")
            kept += (Mark("location", scan.value),)
        elif step == "lot":
            lot = scan.lot or scan.value
            check_lot(t.lot, lot, verb=VERB)
            kept = (*kept[:-1], replace(kept[-1], lot=lot, needs_lot=False))
        else:
            kept += (_item(work, scan),)
        return Accepted(kept, self.next_prompt(work, kept))
