"""Guided picking, server side: each scan is judged by domain/guided/pick (through server/services/guided).

When the last scan lands, the pick is confirmed in the same transaction: the stock goes to staging
(still allocated to the order), or a short pick takes its own path (server/services/short_picks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders as order_rules
from domain import tasks as rules
from domain.events import Event
from domain.guided import Done
from domain.orders import OrderStatus
from domain.stock import Origin
from server.auth.tokens import Principal
from server.services import catalog, tasks
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items, lock_orders
from server.services.order_views import load_view, status_event
from server.services.pick_stock import pick_to_staging
from server.services.replenishment import after_pick
from server.services.short_picks import handle_short_pick
from server.services.stock_events import publish_atp
from server.services.task_scan import Applied, FlowAdapter
from server.services.tasks import TaskRecord


async def _set_order_status(
    db: AsyncSession, order_id: int, target: OrderStatus, *, status: OrderStatus | None = None
) -> list[Event]:
    """Move the (locked) order to ``target``; ``status`` is its current one when the caller just read it."""
    if status is None:
        current = await db.scalar(text("SELECT status FROM sales_orders WHERE id = :id"), {"id": order_id})
        status = OrderStatus(str(current))
    if status is target:
        return []
    order_rules.transition(status, target)
    await db.execute(
        text("UPDATE sales_orders SET status = :s, version = version + 1 WHERE id = :id"),
        {"s": str(target), "id": order_id},
    )
    view = await load_view(db, order_id)
    return [status_event(view)]


class PickAdapter(FlowAdapter):
    """Picks: the first scan moves a released order to picking; the last confirms the pick."""

    async def started(self, db: AsyncSession, record: TaskRecord, *, was: rules.TaskState) -> list[Event]:
        if record.order_id is None or was is not rules.TaskState.ASSIGNED:
            return []
        await lock_orders(db, [record.order_id])
        current = await db.scalar(text("SELECT status FROM sales_orders WHERE id = :id"), {"id": record.order_id})
        if current != OrderStatus.RELEASED:
            return []
        return await _set_order_status(db, record.order_id, OrderStatus.PICKING, status=OrderStatus.RELEASED)

    async def carry_out(
        self, db: AsyncSession, principal: Principal, record: TaskRecord, done: Done, *, now: datetime
    ) -> Applied:
        # _confirm saves the task itself (before counting the order's open picks): no second UPDATE
        outcome = await _confirm(db, principal, record, picked=done.qty, now=now)
        return Applied(events=outcome.pop("events"), result=outcome)


async def _confirm(
    db: AsyncSession, principal: Principal, record: TaskRecord, *, picked: int, now: datetime
) -> dict[str, Any]:
    warehouse = record.task.warehouse
    assert record.order_id is not None and record.item_id is not None
    await lock_orders(db, [record.order_id])
    await lock_items(db, warehouse, [record.item_id])
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, [record.item_id]))
    origin = Origin(
        record.task.order_id or "", principal.username, str(principal.device_id) if principal.device_id else None
    )
    today = await catalog.warehouse_today(db, warehouse)
    expected = record.task.qty - record.task.qty_done
    if picked:
        await pick_to_staging(db, ledger, record, picked, origin=origin)
    result: dict[str, Any] = {"picked": picked}
    if picked < expected:
        result["short"] = await handle_short_pick(
            db, ledger, record, picked=picked, worker=principal.username, origin=origin, now=now, today=today
        )
    else:
        record.task = rules.complete(record.task, principal.username, now=now, qty_done=record.task.qty_done + picked)
    await ledger.flush()
    await tasks.save(db, record)
    events: list[Event] = []
    open_left = await db.scalar(
        text(
            "SELECT count(*) FROM tasks WHERE order_id = :o AND kind = 'pick'"
            " AND state IN ('open', 'assigned', 'in_progress')"
        ),
        {"o": record.order_id},
    )
    if not open_left:
        events += await _set_order_status(db, record.order_id, OrderStatus.PICKED)
    elif "short" in result:
        view = await load_view(db, record.order_id)
        events.append(status_event(view))
    await publish_atp(db, warehouse, ledger.touched_items | {record.item_id}, today=today)
    await after_pick(db, record)  # replenishment: a face this pick left below its min gets a replenish task
    result["events"] = events
    return result
