"""Response models of the supervisor's screens: task board, KPI tiles and the exception queue."""

from __future__ import annotations

from server.services.task_models import TaskView
from server.services.values import AsOf, Model, Timestamp

Detail = str | int | bool | None


class TaskBoard(Model):
    warehouse: str
    as_of: AsOf
    by_state: dict[str, int]
    """Tasks per state."""
    by_kind: dict[str, dict[str, int]]
    """Per kind, tasks per state."""
    by_zone: dict[str, dict[str, int]]
    by_worker: dict[str, dict[str, int]]
    lapsed_leases: int
    done_today: int
    open_exceptions: int
    pending_approvals: int
    tasks: list[TaskView]


class PickerRate(Model):
    worker: str
    lines: int
    units: int
    lines_per_hour: float


class PickRate(Model):
    total: float
    by_picker: list[PickerRate]
    series: list[int]
    """Lines picked per hour, oldest hour first."""


class Duration(Model):
    p50_minutes: float | None
    mean_minutes: float | None
    count: int


class FillRate(Model):
    rate: float | None
    shipped_units: int
    ordered_units: int


class BackorderAge(Model):
    bucket: str
    lines: int
    units: int


class CountAccuracy(Model):
    rate: float | None
    exact_counts: int
    counts: int


class Kpis(Model):
    """KPI tiles; ``None`` means no data in the window yet."""

    warehouse: str
    window_hours: int
    computed_at: Timestamp
    pick_lines_per_hour: PickRate
    dock_to_stock: Duration
    order_cycle_time: Duration
    fill_rate: FillRate
    backorder_aging: list[BackorderAge]
    inventory_accuracy: CountAccuracy


class ExceptionView(Model):
    id: str
    kind: str
    warehouse: str
    subject: str
    message: str
    details: dict[str, Detail]
    state: str
    raised_by: str
    raised_at: Timestamp
    version: int
    acknowledged_by: str | None
    resolved_by: str | None
    resolution: str | None
    acknowledged_at: Timestamp | None
    resolved_at: Timestamp | None
