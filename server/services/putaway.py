"""Guided putaway, server side: the final bin scan moves the stock from the dock into the bin.

The scans are judged by domain/guided/putaway (through server/services/guided).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.errors import Rejected
from domain.guided import Done
from server.auth.tokens import Principal
from server.services import catalog, tasks
from server.services.task_moves import move_task_stock
from server.services.task_scan import Applied, FlowAdapter
from server.services.tasks import TaskRecord


class PutawayAdapter(FlowAdapter):
    """Putaway: carry the whole task from the dock to the bin the worker scanned (and confirmed)."""

    async def carry_out(
        self, db: AsyncSession, principal: Principal, record: TaskRecord, done: Done, *, now: datetime
    ) -> Applied:
        t = record.task
        assert done.to_location is not None
        target = await catalog.location(db, t.warehouse, done.to_location)
        if target.kind not in ("storage", "pick_face"):
            raise Rejected(
                "putaway.not_storage", f"{target.code} is not a storage bin or pick face", location=target.code
            )
        await move_task_stock(
            db, principal, record, to_code=target.code, to_location_id=target.id, qty=done.qty, purpose="putaway"
        )
        record.task = rules.complete(t, principal.username, now=now)
        await tasks.save(db, record)
        return Applied({"put_away": {"location": target.code, "qty": done.qty}})
