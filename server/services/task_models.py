"""The task as handhelds, the task board and ``task.*`` events show it."""

from __future__ import annotations

import msgspec

from server.services.manifest_models import AcceptedGtin, Manifest
from server.services.values import Model, Timestamp


class TaskView(Model):
    id: int
    ref: str
    kind: str
    warehouse: str
    state: str
    priority: int
    location: str
    zone: str
    to_location: str | None
    sku: str | None
    description: str
    lot: str | None
    # counts are blind: no expected quantity
    qty: int | None
    qty_done: int | None
    order: str | None
    order_line: int | None
    wave: str | None
    cluster: str | None
    tote: str | None
    sequence: int
    assigned_to: str | None
    lease_expires_at: Timestamp | None
    reason: str | None
    version: int


class HandheldTask(TaskView):
    """A task as a handheld gets it, with what it accepts so scans are checked at once, even offline."""

    accepted_gtins: list[AcceptedGtin]
    lot_required: bool
    manifest: Manifest


# Each task kind prompts for its own things: absent fields are not the kind's, null ones not known yet.
_Str = str | None | msgspec.UnsetType
_Int = int | None | msgspec.UnsetType


class CountedLine(Model):
    sku: str
    lot: str | None
    qty: int


class Prompt(Model):
    """The scan a task waits for next (``step``), as its kind's guided flow asks for it."""

    step: str
    task_id: str
    location: _Str = msgspec.UNSET
    sku: _Str = msgspec.UNSET
    description: _Str = msgspec.UNSET
    lot: _Str = msgspec.UNSET
    lot_required: bool | msgspec.UnsetType = msgspec.UNSET
    # picks
    qty_expected: _Int = msgspec.UNSET
    qty_picked: _Int = msgspec.UNSET
    tote: _Str = msgspec.UNSET
    # putaway and replenishment
    qty: _Int = msgspec.UNSET
    to_location: _Str = msgspec.UNSET
    scanned_location: _Str = msgspec.UNSET
    taken: _Int = msgspec.UNSET
    # blind counts: what was counted, never what the system expects
    scanned_sku: _Str = msgspec.UNSET
    scanned_lot: _Str = msgspec.UNSET
    uom_factor: _Int = msgspec.UNSET
    can_finish: bool | msgspec.UnsetType = msgspec.UNSET
    lot_tracked: bool | msgspec.UnsetType | None = msgspec.UNSET  # a one-item count: whether it needs its lot
    counted: list[CountedLine] | msgspec.UnsetType = msgspec.UNSET


class TaskClaim(Model):
    """The claimed task (``null`` when there is no work) with its first prompt and the whole cluster trip."""

    task: HandheldTask | None
    prompt: Prompt | None
    trip: list[HandheldTask]


class TaskPrompt(Model):
    task: HandheldTask
    prompt: Prompt


class PutAway(Model):
    location: str
    qty: int


class ShortPick(Model):
    """What a short pick set off: the exception, a count of the bin, and the line re-allocated elsewhere."""

    exception: str
    count_task: int | None
    zero_check: bool
    reallocated: int
    backordered: int
    new_tasks: list[int]


class ScanOutcome(Model):
    """The task after the scan and its next prompt; the last scan of a kind adds what it did."""

    task: TaskView
    prompt: Prompt
    picked: int | msgspec.UnsetType = msgspec.UNSET
    short: ShortPick | msgspec.UnsetType = msgspec.UNSET
    put_away: PutAway | msgspec.UnsetType = msgspec.UNSET
    moved: int | msgspec.UnsetType = msgspec.UNSET
    count_task: int | msgspec.UnsetType = msgspec.UNSET
    """Replenishment that found the reserve short: the count ordered of it."""


class ClusterTote(Model):
    order: str
    tote: str


class ClusterView(Model):
    id: str
    totes: list[ClusterTote]


class WaveView(Model):
    id: str
    warehouse: str
    status: str
    orders: list[str]
    clusters: list[ClusterView]
    tasks: list[TaskView]
    released_by: str
    version: int
