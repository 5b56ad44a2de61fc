"""What putaway and replenish tasks share: carrying the task's stock to a bin."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.errors import Conflict
from domain.stock import Origin, StockKey, StockStatus
from server.auth.tokens import Principal
from server.services import catalog
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items
from server.services.stock_events import publish_atp
from server.services.tasks import TaskRecord


async def move_task_stock(
    db: AsyncSession,
    principal: Principal,
    record: TaskRecord,
    *,
    to_code: str,
    to_location_id: int,
    qty: int,
    purpose: str,
) -> None:
    """Move ``qty`` of the task's item and lot from its bin to ``to_code``, and publish the item's ATP."""
    t = record.task
    assert record.item_id is not None
    await lock_items(db, t.warehouse, [record.item_id])
    ledger = StockLedger(db, t.warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, t.warehouse, [record.item_id], status=None))
    key = StockKey(t.location.code, t.item or "", t.lot or "", StockStatus.AVAILABLE)
    source = ledger.held.get(key)
    if source is None:
        raise Conflict("stock.insufficient", f"No {t.item} left at {t.location.code}", **stock.key_facts(key))
    to_key = StockKey(to_code, key.item, key.lot, key.status)
    await ledger.open(to_key, location_id=to_location_id, item_id=record.item_id, received_on=source.received_on)
    device = str(principal.device_id) if principal.device_id else None
    out, into = stock.move(
        key, qty, origin=Origin(f"{purpose}:{record.id}", principal.username, device), to_location=to_code
    )
    ledger.apply(out)
    ledger.apply(into)
    await ledger.flush()
    await publish_atp(db, t.warehouse, [record.item_id], today=await catalog.warehouse_today(db, t.warehouse))
