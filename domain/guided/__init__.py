"""One guided-work engine: every task kind is a ``GuidedFlow``, registered in ``FLOWS``.

How to add a flow: docs/guided-work.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import Rejected
from domain.guided.base import Accepted, Done, GuidedFlow, Mark, Prompt, Scan, Work, resumed
from domain.guided.count import CountFlow
from domain.guided.pick import PickFlow
from domain.guided.putaway import PutawayFlow
from domain.guided.replenish import ReplenishFlow
from domain.guided.roles import FLOOR_ROLES, WORKERS, may_work, require_worker
from domain.tasks import TaskKind

FLOWS: Mapping[TaskKind, GuidedFlow] = {
    flow.kind: flow for flow in (PickFlow(), PutawayFlow(), ReplenishFlow(), CountFlow())
}


def flow_for(kind: TaskKind) -> GuidedFlow:
    """The flow that guides tasks of ``kind``; a kind without one has no guided scans."""
    flow = FLOWS.get(kind)
    if flow is None:
        raise Rejected("task.not_guided", f"{kind} tasks have no guided scans yet", kind=str(kind))
    return flow


__all__ = [
    "FLOOR_ROLES",
    "FLOWS",
    "WORKERS",
    "Accepted",
    "Done",
    "GuidedFlow",
    "Mark",
    "Prompt",
    "Scan",
    "Work",
    "flow_for",
    "may_work",
    "require_worker",
    "resumed",
]
