"""Guided replenishment: scan the reserve bin, the item (and lot), the quantity taken, then the pick face.

The last scan moves the stock reserve -> face in one transaction. Taking less than asked (the
reserve held less than the system thought) finishes the task with what was moved and orders a
count of the reserve bin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.errors import Conflict, DomainError, Rejected
from domain.events import Event
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks
from server.services.count_tasks import ensure_count
from server.services.picking import TaskScan
from server.services.scans import read_location
from server.services.task_moves import check_task_item, move_prompt, move_task_stock
from server.services.tasks import TaskRecord


def _scanned(record: TaskRecord, step: str) -> dict[str, Any] | None:
    return next((s for s in record.scans if s["step"] == step), None)


def replenish_prompt(record: TaskRecord) -> dict[str, Any]:
    """The next scan of a replenish task: location, item, quantity, to_location (the face)."""
    t = record.task
    taken = _scanned(record, "quantity")
    if t.state not in rules.ACTIVE_STATES:
        step = "done"
    else:
        step = next((s for s in ("location", "item", "quantity") if _scanned(record, s) is None), "to_location")
    return move_prompt(record, step, taken=taken["qty"] if taken else None)


def _refuse(code: str, message: str, **details: object) -> DomainError:
    return Rejected(code, message, **details)


async def _free_at_source(db: AsyncSession, record: TaskRecord) -> int:
    free = await db.scalar(
        text(
            "SELECT coalesce(sum(on_hand - allocated), 0) FROM stock_balances WHERE location_id = :loc"
            " AND item_id = :item AND lot = :lot AND status = 'available'"
        ),
        {"loc": record.location_id, "item": record.item_id, "lot": record.task.lot or ""},
    )
    return int(free or 0)


async def _short(db: AsyncSession, record: TaskRecord) -> int:
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


async def _accept_quantity(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    t = record.task
    remaining = t.qty - t.qty_done
    if cmd.qty is None or cmd.scan:
        raise _refuse("replenish.quantity_required", "Enter how many you took from the reserve.")
    if not 0 <= cmd.qty <= remaining:
        raise _refuse("replenish.qty_out_of_range", f"Take 0 to {remaining}.", qty=cmd.qty, expected=remaining)
    if cmd.qty == 0:
        record.task = rules.complete(t, principal.username, now=datetime.now(UTC), qty_done=t.qty_done)
        return {"moved": 0, "count_task": await _short(db, record)}
    free = await _free_at_source(db, record)
    if cmd.qty > free:
        raise Conflict("stock.insufficient", f"Only {free} {t.item} free at {t.location.code}.", free=free, qty=cmd.qty)
    record.scans.append({"step": "quantity", "qty": cmd.qty})
    return {}


async def scan_replenish(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    """Accept one scan of a replenish task the caller holds; the face scan moves the stock."""
    now = datetime.now(UTC)
    was = record.task.state
    record.task = rules.start(record.task, principal.username, now=now)
    events: list[Event] = [tasks.task_event(record)] if was is not record.task.state else []
    step = replenish_prompt(record)["step"]
    t = record.task
    result: dict[str, Any] = {}
    if step == "quantity":
        result = await _accept_quantity(db, principal, record, cmd)
    elif not cmd.scan:
        raise _refuse("scan.empty", "Nothing scanned. Scan again", step=step)
    elif step == "item":
        record.scans.append(await check_task_item(db, record, cmd.scan, verb="take"))
    else:
        code = await read_location(db, t.warehouse, cmd.scan)
        expected = t.location.code if step == "location" else (t.to_location.code if t.to_location else "")
        if code != expected:
            raise _refuse("scan.wrong_location", f"Wrong location {code}: go to {expected}.", expected=expected)
        record.scans.append({"step": step, "value": code})
        if step == "to_location":
            result = await _move(db, principal, record, now=now)
    await tasks.save(db, record)
    done = record.task.state is rules.TaskState.DONE
    await emit_many(db, [*events, tasks.task_event(record)] if done else events)
    return {"task": tasks.task_view(record), "prompt": replenish_prompt(record), **result}


async def _move(db: AsyncSession, principal: Principal, record: TaskRecord, *, now: datetime) -> dict[str, Any]:
    t = record.task
    assert record.item_id is not None and record.to_location_id is not None and t.to_location is not None
    taken = _scanned(record, "quantity")
    qty = int(taken["qty"]) if taken else 0
    await move_task_stock(
        db,
        principal,
        record,
        to_code=t.to_location.code,
        to_location_id=record.to_location_id,
        qty=qty,
        purpose="replenish",
    )
    remaining = t.qty - t.qty_done
    record.task = rules.complete(t, principal.username, now=now, qty_done=t.qty_done + qty)
    result: dict[str, Any] = {"moved": qty}
    if qty < remaining:
        result["count_task"] = await _short(db, record)
    return result
