"""Stock commands: adjustments with reason codes, and moves between locations or statuses."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.errors import Conflict, Forbidden, Invalid
from domain.ledger import SourceDocument
from domain.stock import ADJUSTMENT_REASONS, MovementReason, Origin, StockKey, StockStatus
from server.auth.tokens import Principal
from server.services import catalog
from server.services.ledger import StockLedger
from server.services.locking import LockedBalance, lock_item_balances, lock_items
from server.services.postings import entry_header, post_stock_adjustment
from server.services.stock_events import publish_atp


class AdjustStock(msgspec.Struct, forbid_unknown_fields=True):
    """Correct a balance: ``delta`` base units (+ found, - lost) with a reason code."""

    location: str
    sku: str
    delta: int
    reason: str
    lot: str = ""
    status: str = "available"
    expires_on: date | None = None
    note: str = ""


class MoveStock(msgspec.Struct, forbid_unknown_fields=True):
    """Move ``qty`` base units to another location and/or status (e.g. into quarantine)."""

    sku: str
    qty: int
    from_location: str
    to_location: str
    lot: str = ""
    from_status: str = "available"
    to_status: str | None = None


class BalanceView(msgspec.Struct):
    location: str
    sku: str
    lot: str
    status: str
    on_hand: int
    allocated: int
    version: int


def balance_view(locked: LockedBalance) -> BalanceView:
    key, balance = locked.key, locked.balance
    return BalanceView(
        key.location, key.item, key.lot, str(key.status), balance.on_hand, balance.allocated, balance.version
    )


def _status(value: str) -> StockStatus:
    try:
        return StockStatus(value)
    except ValueError:
        raise Invalid(
            "stock.unknown_status",
            f"Status must be one of {', '.join(StockStatus)}",
            stock_status=value,
        ) from None


# Status changes that release stock held back for a reason: a decision, so a supervisor's (admins
# too). Any other move, including putting stock into quarantine or damaged, is floor work.
STATUS_CHANGE_ROLES: dict[tuple[StockStatus, StockStatus], frozenset[str]] = {
    (StockStatus.QUARANTINED, StockStatus.AVAILABLE): frozenset({"supervisor", "admin"}),
    (StockStatus.DAMAGED, StockStatus.AVAILABLE): frozenset({"supervisor", "admin"}),
    (StockStatus.DAMAGED, StockStatus.QUARANTINED): frozenset({"supervisor", "admin"}),
}


def ensure_may_change_status(principal: Principal, from_status: StockStatus, to_status: StockStatus | None) -> None:
    """403 unless the caller's role may move stock from ``from_status`` to ``to_status``."""
    allowed = STATUS_CHANGE_ROLES.get((from_status, to_status or from_status))
    if allowed is not None and not principal.roles & allowed:
        raise Forbidden(
            "stock.release_needs_supervisor",
            f"Releasing {from_status} stock to {to_status} needs a supervisor; ask one to move it.",
            from_status=str(from_status),
            to_status=str(to_status),
        )


def _ledger(db: AsyncSession, warehouse: str, principal: Principal) -> StockLedger:
    return StockLedger(db, warehouse, principal.user_id, principal.device_id)


async def adjust_stock(db: AsyncSession, principal: Principal, warehouse: str, cmd: AdjustStock) -> dict[str, Any]:
    """Apply an adjustment; the balance and its movement are written together."""
    if cmd.reason not in ADJUSTMENT_REASONS:
        raise Invalid(
            "stock.unknown_reason",
            f"Reason must be one of {', '.join(sorted(ADJUSTMENT_REASONS))}",
            reason=cmd.reason,
        )
    item = (await catalog.items_by_sku(db, [cmd.sku]))[cmd.sku]
    lot = catalog.require_lot(item, cmd.lot)
    place = await catalog.location(db, warehouse, cmd.location)
    today = await catalog.warehouse_today(db, warehouse)
    await lock_items(db, warehouse, [item.id])
    if lot:
        await catalog.ensure_lot(db, item, lot, expires_on=cmd.expires_on)
    ledger = _ledger(db, warehouse, principal)
    ledger.hold(await lock_item_balances(db, warehouse, [item.id], status=None))
    key = StockKey(place.code, item.sku, lot, _status(cmd.status))
    locked = await ledger.open(key, location_id=place.id, item_id=item.id, received_on=today)
    origin = Origin(
        f"adjust:{cmd.note[:40]}" if cmd.note else "adjust",
        principal.username,
        str(principal.device_id) if principal.device_id else None,
    )
    ledger.apply(stock.adjust(key, cmd.delta, reason=MovementReason(cmd.reason), origin=origin))
    await ledger.flush()
    header = entry_header(
        f"adjust/{uuid.uuid4().hex}",
        SourceDocument("adjustment", f"{place.code}/{item.sku}"),
        user=principal.username,
        memo=f"{cmd.reason} {cmd.delta:+d} {item.sku} at {place.code}" + (f": {cmd.note}" if cmd.note else ""),
    )
    await post_stock_adjustment(db, warehouse, item_id=item.id, sku=item.sku, qty_delta=cmd.delta, header=header)
    atp = await publish_atp(db, warehouse, [item.id], today=today)
    return {"balance": msgspec.to_builtins(balance_view(locked)), "atp": atp[item.id].to_dict()}


async def move_stock(db: AsyncSession, principal: Principal, warehouse: str, cmd: MoveStock) -> dict[str, Any]:
    """Move stock between locations or statuses as a pair of movements."""
    ensure_may_change_status(principal, _status(cmd.from_status), _status(cmd.to_status) if cmd.to_status else None)
    item = (await catalog.items_by_sku(db, [cmd.sku]))[cmd.sku]
    lot = catalog.require_lot(item, cmd.lot)
    source = await catalog.location(db, warehouse, cmd.from_location)
    target = await catalog.location(db, warehouse, cmd.to_location)
    today = await catalog.warehouse_today(db, warehouse)
    await lock_items(db, warehouse, [item.id])
    ledger = _ledger(db, warehouse, principal)
    ledger.hold(await lock_item_balances(db, warehouse, [item.id], status=None))
    from_key = StockKey(source.code, item.sku, lot, _status(cmd.from_status))
    to_status = _status(cmd.to_status) if cmd.to_status else None
    to_key = StockKey(target.code, item.sku, lot, to_status or from_key.status)
    if from_key not in ledger.held:
        raise Conflict("stock.insufficient", f"No {item.sku} {lot} at {source.code}", key=stock.key_facts(from_key))
    received = ledger.held[from_key].received_on
    destination = await ledger.open(to_key, location_id=target.id, item_id=item.id, received_on=received)
    origin = Origin("move", principal.username, str(principal.device_id) if principal.device_id else None)
    out, into = stock.move(from_key, cmd.qty, origin=origin, to_location=target.code, to_status=to_status)
    ledger.apply(out)
    ledger.apply(into)
    await ledger.flush()
    await publish_atp(db, warehouse, [item.id], today=today)
    return {
        "from": msgspec.to_builtins(balance_view(ledger.held[from_key])),
        "to": msgspec.to_builtins(balance_view(destination)),
    }
