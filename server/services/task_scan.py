"""What every guided flow's server side shares: the scan a handheld sends, its decoding, and the adapter shape.

A flow's rules live in domain/guided; the server decodes the barcode for the step the task waits
for (the item master and the location list are here), and a per-kind adapter applies what the
flow decided (stock moves, postings, the order's status).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid, Rejected
from domain.events import Event
from domain.guided import Done, Mark, Scan, Work
from domain.tasks import TaskState
from server.auth.tokens import Principal
from server.services.scans import read, read_location, require_item
from server.services.tasks import TaskRecord

LOCATION_STEPS = frozenset({"location", "to_location", "confirm_location"})
_MARK_FIELDS = tuple(f.name for f in fields(Mark))


class TaskScan(msgspec.Struct, forbid_unknown_fields=True):
    """One guided step: a raw barcode (location, item, tote, bin) or, at the quantity step, ``qty``."""

    scan: str | None = None
    qty: int | None = None


async def decode(db: AsyncSession, warehouse: str, step: str, cmd: TaskScan) -> Scan:
    """The scan as what it can be at ``step``: a quantity, a known location, an item by GTIN, a tote or a lot."""
    if step == "quantity":
        return Scan(cmd.scan or "", qty=cmd.qty)
    if not cmd.scan:
        raise Invalid("scan.empty", "Nothing scanned. Scan again", step=step)
    if step in LOCATION_STEPS:
        return Scan(await read_location(db, warehouse, cmd.scan))
    if step == "tote":
        return Scan(read(cmd.scan, step="tote").code)
    if step == "lot":
        label = read(cmd.scan, step="lot")
        return Scan(label.code, label.lot)
    if step != "item":
        return Scan(cmd.scan)  # nothing expected: the flow says why
    label = read(cmd.scan, step="item")
    item = await require_item(db, label)
    expiry = label.expiry.isoformat() if label.expiry else None
    return Scan(item.sku, label.lot, factor=item.factor, lot_tracked=item.lot_tracked, expiry=expiry)


def marks_of(record: TaskRecord) -> tuple[Mark, ...]:
    """The steps accepted so far, as kept on the task row."""
    return tuple(Mark(**{k: v for k, v in s.items() if k in _MARK_FIELDS}) for s in record.scans)


def stored(marks: tuple[Mark, ...]) -> list[dict[str, Any]]:
    """Marks as kept on the task row: what a field holds by default is left out."""
    blank = Mark("")
    return [{k: v for k, v in asdict(m).items() if k == "step" or v != getattr(blank, k)} for m in marks]


def work_of(record: TaskRecord) -> Work:
    return Work(record.task, record.description, record.lot_tracked)


@dataclass
class Applied:
    """What carrying out a finished task did: fields for the scan's answer, and events to publish."""

    result: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


class FlowAdapter:
    """A task kind's server side; the defaults suit a flow that only records scans (a count)."""

    async def facts(self, db: AsyncSession, record: TaskRecord, work: Work, step: str) -> Work:
        """The work with what the flow needs from the database at ``step`` (stock free at a bin...)."""
        return work

    async def started(self, db: AsyncSession, record: TaskRecord, *, was: TaskState) -> list[Event]:
        """What the first scan of a task sets off beyond the task itself."""
        return []

    async def carry_out(
        self, db: AsyncSession, principal: Principal, record: TaskRecord, done: Done, *, now: datetime
    ) -> Applied:
        """Apply the finished work (move or pick the stock), complete the task and save it."""
        raise Rejected("task.not_guided", f"{record.task.kind} tasks finish by their own command, not by a scan")
