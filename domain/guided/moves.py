"""What the flows that carry stock from one bin to another (putaway, replenishment) show the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.guided.base import Work


@dataclass(frozen=True, slots=True)
class MovePrompt:
    step: str
    task_id: str
    location: str
    sku: str | None
    description: str
    lot: str | None
    lot_required: bool
    qty: int
    to_location: str | None


def move_fields(work: Work, step: str) -> dict[str, Any]:
    """The fields of a move prompt at ``step`` (a flow's prompt adds its own)."""
    t = work.task
    return {
        "step": step,
        "task_id": t.id,
        "location": t.location.code,
        "sku": t.item,
        "description": work.description,
        "lot": t.lot,
        "lot_required": work.lot_tracked,
        "qty": work.remaining,
        "to_location": t.to_location.code if t.to_location else None,
    }
