"""A short pick: exception, count task, and the remainder reallocated elsewhere or backordered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.allocation import allocate_order
from domain.orders import OrderStatus, SalesOrder
from domain.picking import decide_short_pick
from domain.stock import Origin
from domain.tasks import Priority, Spot, Task, TaskKind, TaskState
from server.services import catalog, tasks
from server.services.allocation import candidates, domain_item
from server.services.exceptions import raise_exceptions
from server.services.ledger import StockLedger
from server.services.order_allocation import load_records
from server.services.pick_stock import line_allocations, source_key, take_from_allocations
from server.services.tasks import NewTask, TaskRecord


async def handle_short_pick(
    db: AsyncSession,
    ledger: StockLedger,
    record: TaskRecord,
    *,
    picked: int,
    worker: str,
    origin: Origin,
    now: datetime,
    today: date,
) -> dict[str, Any]:
    """Park the task, raise the exception, count the bin, then reallocate or backorder the rest.

    The caller holds the task, the order, the item and all its balances locked, and moved the
    ``picked`` units to staging already (on ``ledger``, not yet flushed).
    """
    key = source_key(record)
    source = ledger.held[key]
    before_pick = source.balance.on_hand + picked
    at_bin = sum(b.balance.on_hand for k, b in ledger.held.items() if k.location == key.location) + picked
    decision = decide_short_pick(
        record.task,
        picked=picked,
        system_on_hand=before_pick,
        location_on_hand=at_bin,
        reported_by=worker,
        now=now,
    )
    record.task = decision.task
    await raise_exceptions(db, [decision.exception])
    count = await tasks.insert(db, [NewTask(decision.count_task, record.location_id, record.item_id)])
    # the bin's remaining promise to this line is void: it is not there
    remainder = decision.remainder
    ledger.apply(stock.deallocate(key, remainder, origin=origin))
    await take_from_allocations(db, await line_allocations(db, record, source.id), remainder, to_balance=None)
    outcome = await _reallocate(db, ledger, record, remainder, origin=origin, now=now, today=today)
    return {
        "exception": decision.exception.id,
        "count_task": count[0].id if count else None,
        "zero_check": decision.zero_check,
        **outcome,
    }


async def _reallocate(
    db: AsyncSession,
    ledger: StockLedger,
    record: TaskRecord,
    remainder: int,
    *,
    origin: Origin,
    now: datetime,
    today: date,
) -> dict[str, Any]:
    assert record.order_id is not None and record.task.order_line is not None
    order_rec = (await load_records(db, [record.order_id]))[0]
    line = order_rec.order.line(record.task.order_line)
    # the domain allocates a draft of just the missing part, from every other eligible balance
    trial = SalesOrder(
        order_rec.order.id,
        order_rec.order.customer_id,
        order_rec.order.warehouse,
        OrderStatus.DRAFT,
        (replace(line, qty=remainder),),
        order_rec.order.requested_date,
        order_rec.order.created_at,
        order_rec.order.currency,
        priority=order_rec.order.priority,
    )
    refs = await catalog.items_by_sku(db, [line.sku])
    shorted = source_key(record)
    pool = [b for k, b in ledger.held.items() if k != shorted]
    decision = allocate_order(
        trial,
        order_rec.customer,
        items={sku: domain_item(ref) for sku, ref in refs.items()},
        candidates=candidates(pool),
        today=today,
    )
    new_tasks: list[NewTask] = []
    for n, a in enumerate(decision.allocations, start=1):
        ledger.apply(stock.allocate(a.key, a.qty, origin=origin))
        held = ledger.held[a.key]
        await db.execute(
            text(
                "INSERT INTO allocations (order_id, line_no, balance_id, qty, rule, reason)"
                " VALUES (:o, :n, :b, :q, :r, :why)"
            ),
            {"o": record.order_id, "n": a.line_no, "b": held.id, "q": a.qty, "r": a.rule, "why": a.reason[:500]},
        )
        spot = await db.execute(
            text("SELECT id, code, zone, x, y, pick_sequence FROM locations WHERE id = :id"), {"id": held.location_id}
        )
        s = spot.one()
        task = Task(
            id=f"{record.task.id}/R{n}",
            kind=TaskKind.PICK,
            warehouse=record.task.warehouse,
            location=Spot(s.code, s.zone, s.x, s.y, s.pick_sequence),
            item=a.key.item,
            lot=a.key.lot or None,
            qty=a.qty,
            priority=Priority.HIGH,
            state=TaskState.OPEN,
            order_id=record.task.order_id,
            order_line=a.line_no,
            wave_id=record.task.wave_id,
            cluster_id=record.task.cluster_id,
            tote=record.task.tote,
            sequence=record.task.sequence,
            created_at=now,
            updated_at=now,
            reason="reallocated after short pick",
        )
        new_tasks.append(NewTask(task, held.location_id, held.item_id, order_id=record.order_id))
    reallocated = sum(a.qty for a in decision.allocations)
    backordered = remainder - reallocated
    await db.execute(
        text(
            "UPDATE sales_order_lines SET qty_allocated = qty_allocated - :b, backordered = backordered + :b"
            " WHERE order_id = :o AND line_no = :n"
        ),
        {"b": backordered, "o": record.order_id, "n": record.task.order_line},
    )
    created = await tasks.insert(db, new_tasks)
    return {"reallocated": reallocated, "backordered": backordered, "new_tasks": [r.id for r in created]}
