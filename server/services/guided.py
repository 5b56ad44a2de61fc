"""The guided-work engine: one scan on any task, judged by its kind's flow and applied by its adapter.

``domain.guided.FLOWS`` says what each kind asks for and accepts; ``ADAPTERS`` below is the server
side of each kind. A new kind registers in both tables; no route changes (docs/guided-work.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.events import Event
from domain.guided import FLOWS, Accepted, flow_for, require_worker, resumed
from domain.tasks import TaskKind
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks
from server.services.count_views import handheld_view
from server.services.picking import PickAdapter
from server.services.putaway import PutawayAdapter
from server.services.replenish_scans import ReplenishAdapter
from server.services.task_scan import FlowAdapter, TaskScan, decode, marks_of, stored, work_of
from server.services.tasks import TaskRecord

ADAPTERS: Mapping[TaskKind, FlowAdapter] = {
    TaskKind.PICK: PickAdapter(),
    TaskKind.PUTAWAY: PutawayAdapter(),
    TaskKind.REPLENISH: ReplenishAdapter(),
    TaskKind.COUNT: FlowAdapter(),  # a count only records scans; it finishes by its own command
}


def prompt_of(record: TaskRecord) -> dict[str, Any]:
    """What the handheld asks for next on the task (``none`` for a kind without guided scans)."""
    flow = FLOWS.get(record.task.kind)
    if flow is None:
        return {"step": "none", "task_id": record.task.id}
    return asdict(flow.next_prompt(work_of(record), resumed(flow, record.task, marks_of(record))))


async def accept(db: AsyncSession, record: TaskRecord, cmd: TaskScan) -> Accepted:
    """Decode ``cmd`` for the step the task waits for and let its flow judge it; keeps the accepted marks."""
    flow = flow_for(record.task.kind)
    marks = marks_of(record)
    work = work_of(record)
    step = flow.next_prompt(work, marks).step
    work = await ADAPTERS[record.task.kind].facts(db, record, work, step)
    accepted = flow.accept(work, marks, await decode(db, record.task.warehouse, step, cmd))
    record.scans = stored(accepted.marks)
    return accepted


async def scan(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    """One guided scan on a task the caller holds; the last one carries the work out in the same transaction."""
    kind = record.task.kind
    require_worker(kind, principal.roles)
    flow = flow_for(kind)
    adapter = ADAPTERS[kind]
    now = datetime.now(UTC)
    was = record.task.state
    record.scans = stored(resumed(flow, record.task, marks_of(record)))
    record.task = rules.start(record.task, principal.username, now=now)
    events: list[Event] = [tasks.task_event(record)] if was is not record.task.state else []
    events += await adapter.started(db, record, was=was)
    accepted = await accept(db, record, cmd)
    result: dict[str, Any] = {}
    if accepted.done is not None:
        applied = await adapter.carry_out(db, principal, record, accepted.done, now=now)
        events += [tasks.task_event(record), *applied.events]
        result = applied.result
    else:
        await tasks.save(db, record)
    await emit_many(db, events)
    return {"task": handheld_view(record), "prompt": prompt_of(record), **result}
