"""Packing: a picked order's totes into shipping units, each labelled with a new SSCC."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, NotFound, Rejected
from domain.events import ShippingUnitPacked
from domain.orders import OrderStatus
from scanners.gs1 import with_check_digit
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services.locking import lock_orders

# extension digit 0 and the company's GS1 prefix; the serial comes from the ``sscc_serial`` sequence
SSCC_PREFIX = "08712345"


class PackOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Totes of one order into one shipping unit; without ``totes``, all its unpacked totes."""

    totes: list[str] | None = None


async def find_order(db: AsyncSession, warehouse: str, number: str) -> Any:
    row = (
        await db.execute(
            text("SELECT id, number, status FROM sales_orders WHERE warehouse = :wh AND number = :n"),
            {"wh": warehouse, "n": number},
        )
    ).first()
    if row is None:
        raise NotFound("order.not_found", f"No order {number} in {warehouse}", order=number)
    return row


async def order_totes(db: AsyncSession, order_id: int) -> tuple[set[str], set[str]]:
    """The totes holding the order's picks, and those already packed."""
    picked = set(
        await db.scalars(
            text(
                "SELECT DISTINCT tote FROM tasks WHERE order_id = :o AND kind = 'pick' AND qty_done > 0"
                " AND tote IS NOT NULL"
            ),
            {"o": order_id},
        )
    )
    packed = set(
        await db.scalars(text("SELECT unnest(totes) FROM shipping_units WHERE order_id = :o"), {"o": order_id})
    )
    return picked, packed


def require_picked(order: Any) -> None:
    if order.status != OrderStatus.PICKED:
        raise Conflict(
            "shipping.not_picked",
            f"Order {order.number} is {order.status}: only picked orders are packed and shipped",
            order=order.number,
            status_now=order.status,
        )


async def pack_order(
    db: AsyncSession, principal: Principal, warehouse: str, number: str, cmd: PackOrder
) -> dict[str, Any]:
    """Put totes of a picked order into a new shipping unit with its own SSCC."""
    order = await find_order(db, warehouse, number)
    await lock_orders(db, [order.id])
    require_picked(order)
    picked, packed = await order_totes(db, order.id)
    wanted = set(cmd.totes) if cmd.totes is not None else picked - packed
    if not wanted:
        raise Conflict("shipping.nothing_to_pack", f"Every tote of {number} is packed", order=number)
    if stray := sorted(wanted - picked):
        raise Rejected("shipping.wrong_tote", f"Tote {stray[0]} holds nothing of {number}", totes=stray, order=number)
    if again := sorted(wanted & packed):
        raise Conflict("shipping.tote_packed", f"Tote {again[0]} is packed already", totes=again, order=number)
    serial = int(await db.scalar(text("SELECT nextval('sscc_serial')")) or 0)
    sscc = with_check_digit(f"{SSCC_PREFIX}{serial % 10**9:09d}")
    await db.execute(
        text(
            "INSERT INTO shipping_units (sscc, warehouse, order_id, totes, packed_by, version)"
            " VALUES (:s, :wh, :o, :t, :by, 1)"
        ),
        {"s": sscc, "wh": warehouse, "o": order.id, "t": sorted(wanted), "by": principal.username},
    )
    view = {
        "sscc": sscc,
        "warehouse": warehouse,
        "order": number,
        "totes": sorted(wanted),
        "unpacked_totes": sorted(picked - packed - wanted),
        "packed_by": principal.username,
        "version": 1,
    }
    await emit_many(db, [ShippingUnitPacked(warehouse=warehouse, entity_id=sscc, version=1, data=view)])
    return view
