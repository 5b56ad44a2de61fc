"""Response models of cycle counts: blind count tasks and prompts, results, variance approvals."""

from __future__ import annotations

import msgspec

from server.services.task_models import TaskView
from server.services.values import Model, Timestamp

Detail = str | int | bool | None


class CountedEntry(Model):
    sku: str
    lot: str | None
    qty: int


class CountPrompt(Model):
    """The next scan of a count; never the system quantity."""

    step: str
    task_id: str
    location: str
    sku: str | None
    """``None``: count every item in the location."""
    lot: str | None
    description: str
    scanned_sku: str | None
    scanned_lot: str | None
    uom_factor: int | None
    can_finish: bool
    lot_tracked: bool | None
    """For a one-item count, whether the item needs its lot (a device counting offline asks for it)."""
    counted: list[CountedEntry]


class CountRequested(Model):
    task: TaskView


class CountsScheduled(Model):
    tasks: list[TaskView]
    due: int


class CountFinished(Model):
    task: TaskView
    prompt: CountPrompt


class CountResultView(Model):
    """One counted line against what the system held, and what became of the variance."""

    id: int
    task: int
    warehouse: str
    location: str
    sku: str
    lot: str | None
    system_qty: int
    counted_qty: int
    variance_qty: int
    variance_value: int
    """Integer minor units of ``currency``."""
    currency: str
    action: str
    adjusted: bool
    exception: str | None
    approval: int | None
    decision: str | None
    decided_by: str | None
    decided_at: Timestamp | None
    counted_by: str
    counted_at: Timestamp


class ApprovalView(Model):
    id: int
    warehouse: str
    kind: str
    subject: str
    exception: str | None
    exception_state: str | None
    details: dict[str, Detail]
    requested_by: str
    requested_at: Timestamp
    decision: str | None
    decided_by: str | None
    decided_at: Timestamp | None
    resolution: str | None
    version: int


class ApprovalDecided(Model):
    approval: ApprovalView
    booked: bool
    recount_task: int | msgspec.UnsetType = msgspec.UNSET
    """The recount ordered with a rejection; absent when none was."""
