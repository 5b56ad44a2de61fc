"""Booking a finished count: each line valued by domain/counting at the item's average cost.

A variance below the warehouse's limit is adjusted at once (movement ``adjust.count`` and a posting
of Inventory against Inventory Adjustment); above it the line waits for a supervisor, with an
exception in the queue and an approval row (server/services/count_approvals decides those).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting import CountAction, CountDecision, CountLine, adjustment_for, evaluate_count
from domain.events import ApprovalRequested, Event
from domain.guided.count import CountedQty
from domain.ledger import ItemValuation
from domain.stock import StockKey
from server.auth.tokens import Principal
from server.services import catalog
from server.services.count_stock import apply_variance, balances_at, origin_of, post_variance
from server.services.count_views import load_approval
from server.services.exceptions import raise_exceptions
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items
from server.services.stock_events import publish_atp
from server.services.tasks import TaskRecord


async def _policy(db: AsyncSession, warehouse: str) -> tuple[int, str]:
    row = (
        await db.execute(
            text("SELECT count_auto_adjust_limit_minor, currency FROM warehouses WHERE code = :wh"), {"wh": warehouse}
        )
    ).one()
    return int(row[0]), str(row[1])


async def _unit_costs(db: AsyncSession, warehouse: str, item_ids: set[int]) -> dict[int, int]:
    """Each item's average cost; with no stock valued, the last cost paid, else the standard cost."""
    rows = await db.execute(
        text(
            "SELECT i.id, i.sku, i.standard_cost_minor, v.currency, v.qty, v.value, v.last_unit_cost FROM items i"
            " LEFT JOIN item_valuations v ON v.item_id = i.id AND v.warehouse = :wh WHERE i.id = ANY(:ids)"
        ),
        {"wh": warehouse, "ids": sorted(item_ids)},
    )
    costs = {}
    for r in rows:
        if r.qty or r.last_unit_cost is not None:
            val = ItemValuation(r.sku, warehouse, r.currency, int(r.qty), int(r.value), r.last_unit_cost)
            costs[int(r.id)] = val.average_unit_cost()
        else:
            costs[int(r.id)] = int(r.standard_cost_minor)
    return costs


async def _insert_result(
    db: AsyncSession, record: TaskRecord, decision: CountDecision, *, item_id: int, counted_by: str, adjusted: bool
) -> int:
    line = decision.line
    return int(
        await db.scalar(
            text(
                "INSERT INTO count_results (task_id, warehouse, location_id, item_id, lot, system_qty, counted_qty,"
                " variance_qty, variance_value, currency, action, adjusted, counted_by) VALUES (:t, :wh, :loc,"
                " :item, :lot, :sys, :cnt, :vq, :vv, :cur, :act, :adj, :by) RETURNING id"
            ),
            {
                "t": record.id,
                "wh": line.warehouse,
                "loc": record.location_id,
                "item": item_id,
                "lot": line.lot or "",
                "sys": line.system_qty,
                "cnt": line.counted_qty,
                "vq": decision.variance_qty,
                "vv": decision.variance_value,
                "cur": decision.currency,
                "act": str(decision.action),
                "adj": adjusted,
                "by": counted_by,
            },
        )
    )


async def _request_approval(
    db: AsyncSession, decision: CountDecision, *, result_id: int, task_id: int, requested_by: str, now: datetime
) -> Event:
    exception = decision.exception
    assert exception is not None  # the domain raises one with every needs_approval decision
    await raise_exceptions(db, [exception])
    line = decision.line
    details = {
        "count_result": result_id,
        "task": task_id,
        "location": line.location,
        "sku": line.item,
        "lot": line.lot,
        "system_qty": line.system_qty,
        "counted_qty": line.counted_qty,
        "variance_qty": decision.variance_qty,
        "variance_value": decision.variance_value,
        "currency": decision.currency,
    }
    approval_id = await db.scalar(
        text(
            "INSERT INTO approvals (warehouse, kind, subject, exception_id, details, requested_by, requested_at)"
            " VALUES (:wh, 'count_variance', :s, :e, CAST(:d AS jsonb), :by, :at) RETURNING id"
        ),
        {
            "wh": line.warehouse,
            "s": exception.subject,
            "e": exception.id,
            "d": _json(details),
            "by": requested_by,
            "at": now,
        },
    )
    await db.execute(
        text("UPDATE count_results SET approval_id = :a, exception_id = :e WHERE id = :id"),
        {"a": approval_id, "e": exception.id, "id": result_id},
    )
    view = await load_approval(db, int(approval_id or 0))
    return ApprovalRequested(warehouse=line.warehouse, entity_id=str(approval_id), version=1, data=view)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


async def book_count(
    db: AsyncSession,
    principal: Principal,
    record: TaskRecord,
    *,
    counted: dict[tuple[str, str], CountedQty],
    now: datetime,
) -> list[Event]:
    """Evaluate and book every (item, lot) in the count's scope; uncounted stock counts as zero.

    The scope is the task's location, narrowed to its item (and lot) when it has one. Returns the
    approval events; stock and exception events are written here.
    """
    t = record.task
    warehouse, code = t.warehouse, t.location.code
    refs = await catalog.items_by_sku(db, sorted({sku for sku, _ in counted})) if counted else {}
    held_items = await db.scalars(
        text(
            "SELECT DISTINCT item_id FROM stock_balances WHERE location_id = :loc AND on_hand > 0"
            " AND (CAST(:item AS bigint) IS NULL OR item_id = :item)"
        ),
        {"loc": record.location_id, "item": record.item_id if t.item else None},
    )
    item_ids = {int(i) for i in held_items} | {r.id for r in refs.values()}
    await lock_items(db, warehouse, item_ids)
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, item_ids, status=None))
    system: dict[tuple[str, str], int] = defaultdict(int)
    ids = {sku: ref.id for sku, ref in refs.items()}
    for key, held in ledger.held.items():
        if key.location == code:
            system[(key.item, key.lot)] += held.balance.on_hand
            ids[key.item] = held.item_id
    in_scope = {
        k
        for k in set(counted) | {k for k, qty in system.items() if qty > 0}
        if (not t.item or k[0] == t.item) and (not t.lot or k[1] == t.lot)
    }
    limit, currency = await _policy(db, warehouse)
    costs = await _unit_costs(db, warehouse, {ids[sku] for sku, _ in in_scope})
    today = await catalog.warehouse_today(db, warehouse)
    origin = origin_of(principal, f"count:{record.id}")
    decisions: list[CountDecision] = []
    # item id order: postings lock item valuations, which must be taken in that order
    for sku, lot in sorted(in_scope, key=lambda k: (ids[k[0]], k[1])):
        count = counted.get((sku, lot))
        line = CountLine(
            f"count:{record.id}/{sku}" + (f"/{lot}" if lot else ""),
            warehouse,
            code,
            sku,
            system.get((sku, lot), 0),
            count.qty if count else 0,
            lot or None,
        )
        decision = evaluate_count(
            line,
            unit_cost=costs[ids[sku]],
            currency=currency,
            auto_adjust_limit=limit,
            counted_by=principal.username,
            now=now,
            free_qty=sum(b.balance.free for b in balances_at(ledger, code, sku, lot)),
        )
        if decision.action is CountAction.AUTO_ADJUST:
            adjustment = adjustment_for(decision, approver=None, now=now)
            assert adjustment is not None
            await apply_variance(
                db,
                ledger,
                location_id=record.location_id,
                item_id=ids[sku],
                key=StockKey(code, sku, lot),
                delta=adjustment.qty_delta,
                origin=origin,
                today=today,
                expiry=count.expiry if count else None,
            )
        decisions.append(decision)
    await ledger.flush()
    events: list[Event] = []
    for decision in decisions:
        item_id = ids[decision.line.item]
        auto = decision.action is CountAction.AUTO_ADJUST
        result_id = await _insert_result(
            db, record, decision, item_id=item_id, counted_by=principal.username, adjusted=auto
        )
        if auto:
            await post_variance(
                db,
                warehouse,
                result_id=result_id,
                item_id=item_id,
                line=decision.line,
                delta=decision.variance_qty,
                user=principal.username,
                approver=None,
            )
        elif decision.action is CountAction.NEEDS_APPROVAL:
            events.append(
                await _request_approval(
                    db, decision, result_id=result_id, task_id=record.id, requested_by=principal.username, now=now
                )
            )
    await publish_atp(db, warehouse, ledger.touched_items, today=today)
    return events
