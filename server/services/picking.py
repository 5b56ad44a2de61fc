"""Guided picking: each scan is checked by domain/picking and answered with the next expected scan.

When the last scan lands, the pick is confirmed in the same transaction: the stock goes to staging
(still allocated to the order), or a short pick takes its own path (server/services/short_picks).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders as order_rules
from domain import picking
from domain import tasks as rules
from domain.errors import Invalid
from domain.events import Event
from domain.orders import OrderStatus
from domain.picking import PickItem, Scan, Step
from domain.stock import Origin
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import catalog, tasks
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items, lock_orders
from server.services.order_views import load_view, status_event
from server.services.pick_stock import pick_to_staging
from server.services.replenishment import after_pick
from server.services.scans import read, read_location, require_item
from server.services.short_picks import handle_short_pick
from server.services.stock_events import publish_atp
from server.services.tasks import TaskRecord


class TaskScan(msgspec.Struct, forbid_unknown_fields=True):
    """One guided step: a raw barcode (location, item, tote, bin) or, at the quantity step, ``qty``."""

    scan: str | None = None
    qty: int | None = None


def _item(record: TaskRecord) -> PickItem:
    return PickItem(record.task.item or "", record.description, record.lot_tracked)


def _scans(record: TaskRecord) -> list[Scan]:
    return [Scan(s.get("value", ""), s.get("lot"), s.get("qty")) for s in record.scans]


def pick_prompt(record: TaskRecord) -> dict[str, Any]:
    """What the handheld asks for next on a pick task."""
    if record.task.state is not rules.TaskState.IN_PROGRESS and record.task.state in rules.ACTIVE_STATES:
        return asdict(picking.next_prompt(record.task, _item(record), []))
    if record.task.state not in rules.ACTIVE_STATES:
        return {"step": "done", "task_id": record.task.id}
    return asdict(picking.next_prompt(record.task, _item(record), _scans(record)))


async def _decode(db: AsyncSession, warehouse: str, step: Step, cmd: TaskScan) -> Scan:
    if step is Step.QUANTITY:
        return Scan(qty=cmd.qty)
    if not cmd.scan:
        raise Invalid("scan.empty", "Nothing scanned. Scan again", step=str(step))
    if step is Step.LOCATION:
        return Scan(await read_location(db, warehouse, cmd.scan))
    if step is Step.TOTE:
        return Scan(read(cmd.scan, step="tote").code)
    result = read(cmd.scan, step="item")
    item = await require_item(db, result)
    return Scan(item.sku, result.lot)


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


async def scan_pick(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    """Accept one scan on a pick task the caller holds; confirm the pick when it was the last one."""
    now = datetime.now(UTC)
    was = record.task.state
    if was is not rules.TaskState.IN_PROGRESS:
        # not begun by this holder (a lapsed lease or a reassignment): start at the bin, as pick_prompt says
        record.scans = []
    record.task = rules.start(record.task, principal.username, now=now)
    events: list[Event] = [tasks.task_event(record)] if was is not record.task.state else []
    if record.order_id is not None and was is rules.TaskState.ASSIGNED:
        await lock_orders(db, [record.order_id])
        current = await db.scalar(text("SELECT status FROM sales_orders WHERE id = :id"), {"id": record.order_id})
        if current == OrderStatus.RELEASED:
            events += await _set_order_status(db, record.order_id, OrderStatus.PICKING, status=OrderStatus.RELEASED)
    step = picking.next_prompt(record.task, _item(record), _scans(record)).step
    scan = await _decode(db, record.task.warehouse, step, cmd)
    prompt = picking.accept_scan(record.task, _item(record), _scans(record), scan)
    record.scans.append({"step": str(step), "value": scan.value, "lot": scan.lot, "qty": scan.qty})
    outcome: dict[str, Any] = {}
    if prompt.step is Step.DONE:
        # _confirm saves the task itself (before counting the order's open picks): no second UPDATE
        outcome = await _confirm(db, principal, record, picked=prompt.qty_picked or 0, now=now)
        events += [tasks.task_event(record), *outcome.pop("events")]
    else:
        await tasks.save(db, record)
    await emit_many(db, events)
    return {"task": tasks.task_view(record), "prompt": pick_prompt(record), **outcome}


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
