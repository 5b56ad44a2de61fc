"""Packing and shipping: picked totes into SSCC-labelled units, then ship-confirm per order or per wave.

Ship-confirm issues the staged stock (still allocated to the order), books Dr COGS / Cr Inventory
at average cost per item and the invoice Dr AR / Cr Revenue at the order's prices, and closes
the order as ``shipped``. Whatever the order could not get (backordered after a short pick)
is closed with it and shows in the line's ``not_shipped``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders as order_rules
from domain import stock
from domain.errors import Conflict, Invalid
from domain.events import Event, ShipmentConfirmed
from domain.ledger import InvoiceLine, SourceDocument
from domain.orders import OrderStatus
from domain.stock import Origin
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import catalog
from server.services.ledger import StockLedger
from server.services.locking import lock_balance_ids, lock_items, lock_orders
from server.services.order_views import load_view, status_event
from server.services.packing import find_order, order_totes, require_picked
from server.services.postings import entry_header, post_customer_invoice, post_goods_issue
from server.services.stock_events import publish_atp


class ConfirmShipment(msgspec.Struct, forbid_unknown_fields=True):
    """Ship picked and packed orders: name them, or name a wave to ship all of its orders."""

    orders: list[str] | None = None
    wave: str | None = None
    carrier: str | None = None


async def _orders_to_ship(db: AsyncSession, warehouse: str, cmd: ConfirmShipment) -> list[Any]:
    if (cmd.orders is None) == (cmd.wave is None):
        raise Invalid("shipping.what_to_ship", "Name either the orders or the wave to ship")
    if cmd.wave is not None:
        numbers = list(
            await db.scalars(
                text(
                    "SELECT o.number FROM wave_orders w JOIN sales_orders o ON o.id = w.order_id"
                    " WHERE w.wave_id = :w AND o.warehouse = :wh AND o.status <> 'shipped' ORDER BY o.number"
                ),
                {"w": cmd.wave, "wh": warehouse},
            )
        )
        if not numbers:
            raise Conflict("shipping.nothing_to_ship", f"Wave {cmd.wave} has nothing left to ship")
    else:
        numbers = sorted(set(cmd.orders or []))
        if not numbers:
            raise Invalid("shipping.what_to_ship", "Name at least one order")
    orders = [await find_order(db, warehouse, n) for n in numbers]
    await lock_orders(db, [o.id for o in orders])
    for order in orders:
        require_picked(order)
        picked, packed = await order_totes(db, order.id)
        if unpacked := sorted(picked - packed):
            raise Conflict(
                "shipping.not_packed",
                f"Order {order.number}: pack tote {unpacked[0]} first",
                order=order.number,
                totes=unpacked,
            )
    return orders


_STAGED = text(
    "SELECT a.id, a.order_id, a.line_no, a.qty, a.balance_id, b.item_id FROM allocations a"
    " JOIN stock_balances b ON b.id = a.balance_id JOIN locations l ON l.id = b.location_id"
    " WHERE a.order_id = ANY(:ids) AND l.kind = 'staging' ORDER BY a.order_id, a.line_no, a.id"
)


async def confirm_shipment(
    db: AsyncSession, principal: Principal, warehouse: str, cmd: ConfirmShipment
) -> dict[str, Any]:
    """Ship the orders: stock out, COGS and invoice posted, orders shipped, all in this transaction."""
    orders = await _orders_to_ship(db, warehouse, cmd)
    ids = [o.id for o in orders]
    staged = (await db.execute(_STAGED, {"ids": ids})).all()
    item_ids = sorted({int(r.item_id) for r in staged})
    await lock_items(db, warehouse, item_ids)
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    balances = {b.id: b for b in await lock_balance_ids(db, [r.balance_id for r in staged])}
    ledger.hold(list(balances.values()))
    now = datetime.now(UTC)
    shipment = f"SHP-{now:%y%m%d}-{secrets.token_hex(3).upper()}"
    device = str(principal.device_id) if principal.device_id else None
    shipped: dict[tuple[int, int], int] = defaultdict(int)
    issued: dict[tuple[int, int], int] = defaultdict(int)  # (order, item) -> qty
    numbers = {o.id: o.number for o in orders}
    for r in staged:
        key = balances[r.balance_id].key
        ledger.apply(stock.ship(key, int(r.qty), origin=Origin(numbers[r.order_id], principal.username, device)))
        shipped[(r.order_id, r.line_no)] += int(r.qty)
        issued[(r.order_id, int(r.item_id))] += int(r.qty)
    await ledger.flush()
    await db.execute(text("DELETE FROM allocations WHERE id = ANY(:ids)"), {"ids": [r.id for r in staged]})
    await db.execute(
        text(
            "INSERT INTO shipments (id, warehouse, wave_id, carrier, confirmed_by, confirmed_at)"
            " VALUES (:id, :wh, :w, :c, :by, :at)"
        ),
        {"id": shipment, "wh": warehouse, "w": cmd.wave, "c": cmd.carrier, "by": principal.username, "at": now},
    )
    await _post(db, principal, warehouse, shipment=shipment, issued=issued, numbers=numbers)
    events = await _close_orders(db, principal, orders, shipment=shipment, shipped=shipped, now=now)
    today = await catalog.warehouse_today(db, warehouse)
    await publish_atp(db, warehouse, item_ids, today=today)
    view = {
        "id": shipment,
        "warehouse": warehouse,
        "wave": cmd.wave,
        "carrier": cmd.carrier,
        "orders": [e.data for e in events],
        "confirmed_by": principal.username,
        "confirmed_at": now.isoformat(),
    }
    await emit_many(db, [*events, ShipmentConfirmed(warehouse=warehouse, entity_id=shipment, version=1, data=view)])
    return view


async def _post(
    db: AsyncSession,
    principal: Principal,
    warehouse: str,
    *,
    shipment: str,
    issued: dict[tuple[int, int], int],
    numbers: dict[int, str],
) -> None:
    """COGS per order and item at average cost (items in id order, the valuation lock order)."""
    currency = str(await db.scalar(text("SELECT currency FROM warehouses WHERE code = :wh"), {"wh": warehouse}))
    rows = await db.execute(text("SELECT id, sku FROM items WHERE id = ANY(:ids)"), {"ids": [i for _, i in issued]})
    skus = {int(i): str(sku) for i, sku in rows}
    for order_id, item_id in sorted(issued, key=lambda k: (k[1], k[0])):
        sku = skus[item_id]
        header = entry_header(
            f"{shipment}/{numbers[order_id]}/{sku}",
            SourceDocument("shipment", shipment),
            user=principal.username,
            memo=f"Shipped {issued[(order_id, item_id)]} {sku} on {numbers[order_id]}",
        )
        await post_goods_issue(
            db, warehouse, item_id=item_id, sku=sku, qty=issued[(order_id, item_id)], currency=currency, header=header
        )


async def _close_orders(
    db: AsyncSession,
    principal: Principal,
    orders: list[Any],
    *,
    shipment: str,
    shipped: dict[tuple[int, int], int],
    now: datetime,
) -> list[Event]:
    events: list[Event] = []
    for order in orders:
        order_rules.transition(OrderStatus(order.status), OrderStatus.SHIPPED)
        lines = (
            await db.execute(
                text(
                    "SELECT l.line_no, l.item_id, i.sku, l.unit_price_minor, o.currency, o.warehouse"
                    " FROM sales_order_lines l JOIN items i ON i.id = l.item_id"
                    " JOIN sales_orders o ON o.id = l.order_id WHERE l.order_id = :o AND NOT l.cancelled"
                    " ORDER BY l.line_no"
                ),
                {"o": order.id},
            )
        ).all()
        await db.execute(
            text(
                "UPDATE sales_order_lines SET qty_shipped = qty_shipped + x.q, qty_allocated = 0, backordered = 0"
                " FROM unnest(CAST(:n AS int[]), CAST(:q AS bigint[])) AS x(n, q)"
                " WHERE order_id = :o AND line_no = x.n"
            ),
            {"o": order.id, "n": [ln.line_no for ln in lines], "q": [shipped[(order.id, ln.line_no)] for ln in lines]},
        )
        invoice = [
            InvoiceLine(ln.sku, shipped[(order.id, ln.line_no)], int(ln.unit_price_minor))
            for ln in lines
            if shipped[(order.id, ln.line_no)]
        ]
        if invoice:
            header = entry_header(
                f"INV-{order.number}",
                SourceDocument("invoice", order.number),
                user=principal.username,
                memo=f"Invoice for {order.number}, shipment {shipment}",
            )
            await post_customer_invoice(
                db,
                lines[0].warehouse,
                invoice,
                currency=lines[0].currency,
                header=header,
                item_ids={ln.sku: int(ln.item_id) for ln in lines},
            )
        await db.execute(
            text(
                "UPDATE sales_orders SET status = 'shipped', shipment_id = :s, shipped_at = :at, version = version + 1"
                " WHERE id = :id"
            ),
            {"s": shipment, "at": now, "id": order.id},
        )
        await db.execute(
            text("UPDATE shipping_units SET shipment_id = :s WHERE order_id = :o"), {"s": shipment, "o": order.id}
        )
        view = await load_view(db, order.id)
        events.append(status_event(view))
    return events
