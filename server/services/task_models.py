"""The task as handhelds, the task board and ``task.*`` events show it."""

from __future__ import annotations

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
