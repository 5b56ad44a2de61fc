"""Booking a counted difference on stock and in the books, shared by automatic and approved adjustments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.counting import CountLine
from domain.errors import Conflict
from domain.ledger import SourceDocument
from domain.stock import MovementReason, Origin, StockKey, StockStatus
from server.auth.tokens import Principal
from server.services.ledger import StockLedger
from server.services.locking import LockedBalance
from server.services.postings import entry_header, post_stock_adjustment


def balances_at(ledger: StockLedger, location: str, sku: str, lot: str) -> list[LockedBalance]:
    """Held balances of one (location, item, lot) in every status, available first."""
    found = [b for k, b in ledger.held.items() if (k.location, k.item, k.lot) == (location, sku, lot)]
    return sorted(found, key=lambda b: (b.key.status is not StockStatus.AVAILABLE, str(b.key.status)))


def origin_of(principal: Principal, document: str) -> Origin:
    return Origin(document, principal.username, str(principal.device_id) if principal.device_id else None)


async def apply_variance(
    db: AsyncSession,
    ledger: StockLedger,
    *,
    location_id: int,
    item_id: int,
    key: StockKey,
    delta: int,
    origin: Origin,
    today: date,
    expiry: date | None = None,
) -> None:
    """Book a counted difference on the held balances of ``key`` (its status is ignored).

    Found stock is available; missing stock comes out of free stock, available first. Stock
    promised to orders cannot disappear here: that refuses with ``count.stock_allocated``.
    """
    if delta > 0:
        if key.lot:
            await db.execute(
                text(
                    "INSERT INTO lots (item_id, code, expires_on) VALUES (:i, :c, :e)"
                    " ON CONFLICT (item_id, code) DO NOTHING"
                ),
                {"i": item_id, "c": key.lot, "e": expiry},
            )
        found = StockKey(key.location, key.item, key.lot, StockStatus.AVAILABLE)
        await ledger.open(found, location_id=location_id, item_id=item_id, received_on=today)
        ledger.apply(stock.adjust(found, delta, reason=MovementReason.ADJUST_COUNT, origin=origin))
        return
    left = -delta
    for held in balances_at(ledger, key.location, key.item, key.lot):
        take = min(left, held.balance.free)
        if take > 0:
            ledger.apply(stock.adjust(held.key, -take, reason=MovementReason.ADJUST_COUNT, origin=origin))
            left -= take
    if left:
        raise Conflict(
            "count.stock_allocated",
            f"{left} of the missing {key.item} at {key.location} are allocated to orders;"
            " pick or unallocate them first.",
            location=key.location,
            item=key.item,
            lot=key.lot,
            short=left,
        )


async def post_variance(
    db: AsyncSession,
    warehouse: str,
    *,
    result_id: int,
    item_id: int,
    line: CountLine,
    delta: int,
    user: str,
    approver: str | None,
) -> None:
    """Inventory against Inventory Adjustment for one count line, at average cost."""
    how = f"approved by {approver}" if approver else "below the auto-adjust limit"
    header = entry_header(
        f"count/{result_id}",
        SourceDocument("count", str(result_id)),
        user=user,
        memo=f"Count {delta:+d} {line.item} at {line.location} ({how})",
    )
    await post_stock_adjustment(db, warehouse, item_id=item_id, sku=line.item, qty_delta=delta, header=header)
