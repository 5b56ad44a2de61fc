"""Stock side of picking: allocated stock follows the pick to staging; allocations move with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.errors import Broken, Conflict
from domain.stock import Origin, StockKey, StockStatus
from server.services.ledger import StockLedger
from server.services.locking import LockedBalance
from server.services.tasks import TaskRecord


async def staging_location(db: AsyncSession, warehouse: str) -> Any:
    """Where picked stock waits for packing: the warehouse's first staging location."""
    row = (
        await db.execute(
            text("SELECT id, code FROM locations WHERE warehouse = :wh AND kind = 'staging' ORDER BY code LIMIT 1"),
            {"wh": warehouse},
        )
    ).first()
    if row is None:
        raise Broken("picking.no_staging", f"{warehouse} has no staging location")
    return row


def source_key(record: TaskRecord) -> StockKey:
    """The balance a pick task draws from."""
    t = record.task
    return StockKey(t.location.code, t.item or "", t.lot or "", StockStatus.AVAILABLE)


async def line_allocations(db: AsyncSession, record: TaskRecord, balance_id: int) -> list[Any]:
    """The task's order line's allocation rows on its source balance, newest last."""
    rows = await db.execute(
        text("SELECT id, qty FROM allocations WHERE order_id = :o AND line_no = :n AND balance_id = :b ORDER BY id"),
        {"o": record.order_id, "n": record.task.order_line, "b": balance_id},
    )
    return list(rows.all())


async def take_from_allocations(db: AsyncSession, rows: list[Any], qty: int, *, to_balance: int | None) -> None:
    """Move ``qty`` of these allocation rows to ``to_balance`` (picked), or drop it (deallocated)."""
    left = qty
    for row in rows:
        if left == 0:
            break
        take = min(int(row.qty), left)
        left -= take
        if take == int(row.qty):
            if to_balance is None:
                await db.execute(text("DELETE FROM allocations WHERE id = :id"), {"id": row.id})
            else:
                await db.execute(
                    text("UPDATE allocations SET balance_id = :b WHERE id = :id"), {"b": to_balance, "id": row.id}
                )
            continue
        await db.execute(text("UPDATE allocations SET qty = qty - :q WHERE id = :id"), {"q": take, "id": row.id})
        if to_balance is not None:
            await db.execute(
                text(
                    "INSERT INTO allocations (order_id, line_no, balance_id, qty, rule, reason)"
                    " SELECT order_id, line_no, :b, :q, rule, reason FROM allocations WHERE id = :id"
                ),
                {"b": to_balance, "q": take, "id": row.id},
            )
    if left:
        raise Conflict("picking.allocation_missing", f"The order holds {qty - left} of {qty} here", qty=qty)


async def pick_to_staging(
    db: AsyncSession, ledger: StockLedger, record: TaskRecord, qty: int, *, origin: Origin
) -> LockedBalance:
    """Move ``qty`` picked units, still allocated to the order, from the bin to staging."""
    key = source_key(record)
    source = ledger.held.get(key)
    if source is None:
        raise Conflict("stock.insufficient", f"No {key.item} recorded at {key.location}", **stock.key_facts(key))
    staging = await staging_location(db, record.task.warehouse)
    to_key = StockKey(staging.code, key.item, key.lot, key.status)
    target = await ledger.open(
        to_key, location_id=int(staging.id), item_id=source.item_id, received_on=source.received_on
    )
    out, into = stock.pick(key, qty, to_location=staging.code, origin=origin)
    ledger.apply(out)
    ledger.apply(into)
    await take_from_allocations(db, await line_allocations(db, record, source.id), qty, to_balance=target.id)
    return target
