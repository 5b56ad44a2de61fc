"""The answer to a pick line confirmed in one request."""

from __future__ import annotations

import msgspec

from server.services.task_models import HandheldTask, Prompt, ShortPick, TaskView
from server.services.values import Model


class NextLine(Model):
    """The caller's next pick task of its trip, with the scan it starts at and its manifest."""

    task: HandheldTask
    prompt: Prompt


class PickLineOutcome(Model):
    """The confirmed task (done, or parked by a short pick) and the next line; ``next`` is ``null``
    when the caller's trip has no pick task left (claim the next trip)."""

    task: TaskView
    prompt: Prompt
    picked: int
    next: NextLine | None
    short: ShortPick | msgspec.UnsetType = msgspec.UNSET
