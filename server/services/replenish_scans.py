"""Guided replenishment, server side: the face scan moves the stock reserve -> face in one transaction.

The scans are judged by domain/guided/replenish (through server/services/guided). Taking less than
asked (the reserve held less than the system thought) finishes the task with what was moved and
orders a count of the reserve bin.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.guided import Done, Work
from server.auth.tokens import Principal
from server.services import tasks
from server.services.count_tasks import ensure_count
from server.services.task_moves import move_task_stock
from server.services.task_scan import Applied, FlowAdapter
from server.services.tasks import TaskRecord


async def _free_at_source(db: AsyncSession, record: TaskRecord) -> int:
    free = await db.scalar(
        text(
            "SELECT coalesce(sum(on_hand - allocated), 0) FROM stock_balances WHERE location_id = :loc"
            " AND item_id = :item AND lot = :lot AND status = 'available'"
        ),
        {"loc": record.location_id, "item": record.item_id, "lot": record.task.lot or ""},
    )
    return int(free or 0)


async def _count_reserve(db: AsyncSession, record: TaskRecord) -> int:
    """The reserve held less than planned: count it, so the books catch up with the shelf."""
    t = record.task
    assert record.item_id is not None
    return await ensure_count(
        db,
        t.warehouse,
        t.location.code,
        sku=t.item or "",
        item_id=record.item_id,
        ref=f"{t.id}/count",
        reason="replenish_short",
    )


class ReplenishAdapter(FlowAdapter):
    """Replenishment: the quantity step needs the stock free at the reserve; the face scan moves it."""

    async def facts(self, db: AsyncSession, record: TaskRecord, work: Work, step: str) -> Work:
        if step != "quantity":
            return work
        return replace(work, free_at_source=await _free_at_source(db, record))

    async def carry_out(
        self, db: AsyncSession, principal: Principal, record: TaskRecord, done: Done, *, now: datetime
    ) -> Applied:
        t = record.task
        if done.qty:
            assert record.to_location_id is not None and done.to_location is not None
            await move_task_stock(
                db,
                principal,
                record,
                to_code=done.to_location,
                to_location_id=record.to_location_id,
                qty=done.qty,
                purpose="replenish",
            )
        record.task = rules.complete(t, principal.username, now=now, qty_done=t.qty_done + done.qty)
        result: dict[str, Any] = {"moved": done.qty}
        if done.short:
            result["count_task"] = await _count_reserve(db, record)
        await tasks.save(db, record)
        return Applied(result)
