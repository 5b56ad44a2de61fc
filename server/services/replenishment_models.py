"""Response models of replenishment: pick faces and the replenish tasks a plan creates."""

from __future__ import annotations

from server.services.task_models import TaskView
from server.services.values import Model


class PickFaceView(Model):
    """A pick face with what it holds, what is on its way and what pending picks need from it."""

    location: str
    zone: str
    sku: str
    min_qty: int
    max_qty: int
    on_hand: int
    inbound: int
    demand: int
    below_min: bool


class PlannedTasks(Model):
    tasks: list[TaskView]
