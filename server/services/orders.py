"""Order commands: place (priced, credit-checked, allocated), approve a credit hold, change a line,
cancel, and batch re-allocation of backorders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders, stock
from domain.customers import Customer, Money, check_credit
from domain.errors import Forbidden, Invalid, NotFound, Rejected
from domain.orders import OrderStatus, SalesOrder
from domain.stock import Origin
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.db import pg
from server.outbox import emit_many
from server.services import catalog
from server.services.allocation import (
    OrderRecord,
    domain_item,
    order_line,
)
from server.services.exceptions import credit_hold, raise_exceptions
from server.services.ledger import StockLedger
from server.services.locking import (
    lock_balance_ids,
    lock_customer,
    lock_items,
)
from server.services.order_allocation import allocate_locked, order_events
from server.services.order_views import placed_view, status_event
from server.services.stock_events import publish_atp

OPEN = (
    "draft",
    "on_hold",
    "allocated",
    "partially_allocated",
    "backordered",
    "released",
    "picking",
    "picked",
)


class NewLine(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    qty: int
    uom: str = "EA"


class PlaceOrder(msgspec.Struct, forbid_unknown_fields=True):
    """A rep's order: quantities in any unit the item is sold in; prices come from the customer."""

    customer: str
    warehouse: str
    lines: list[NewLine]
    requested_date: date | None = None
    ship_complete: bool = False
    priority: int | None = None
    carrier: str | None = None
    carrier_cutoff: datetime | None = None  # when the truck leaves; waves can release by it


class ChangeLine(msgspec.Struct, forbid_unknown_fields=True):
    qty: int
    uom: str = "EA"


async def _customer(db: AsyncSession, principal: Principal, code: str) -> tuple[int, Customer, int | None]:
    """The customer, if the caller may order for it: a rep's own account, served from a warehouse of
    the caller's (admins: any)."""
    row = await (await pg(db)).fetchrow(
        "SELECT id, code, name, priority_tier, credit_limit_minor, currency, min_shelf_life_days,"
        " coalesce(price_list_id, 0), accepts_substitutes, sales_rep_id, warehouse FROM customers WHERE code = $1",
        code,
    )
    if row is None:
        raise Rejected("customer.unknown", f"No customer {code}", customer=code)
    id_, code, name, tier, limit, currency, shelf, price_list, subs, rep, served_from = row
    _check_rep(principal, rep, code)
    # a customer served from none of the caller's warehouses is out of their scope: answered as unknown
    if not principal.may_access(served_from):
        raise Rejected("customer.unknown", f"No customer {code}", customer=code)
    return int(id_), Customer(code, name, tier, Money(limit, currency), str(price_list), shelf, subs), rep


def _check_rep(principal: Principal, sales_rep_id: int | None, customer: str) -> None:
    if principal.roles & {"supervisor", "admin"}:
        return
    if sales_rep_id != principal.user_id:
        raise Forbidden("customer.not_yours", f"Customer {customer} is not one of your accounts")


async def _prices(db: AsyncSession, customer_id: int, price_list_id: str, item_ids: list[int]) -> dict[int, int]:
    rows = await (await pg(db)).fetch(
        "SELECT i, coalesce(cp.unit_price_minor, lp.unit_price_minor) FROM unnest($1::bigint[]) AS i"
        # a price counts within its validity (open-ended when a date is missing)
        " LEFT JOIN customer_prices cp ON cp.customer_id = $2 AND cp.item_id = i"
        " AND current_date BETWEEN coalesce(cp.valid_from, current_date) AND coalesce(cp.valid_to, current_date)"
        " LEFT JOIN price_list_prices lp ON lp.price_list_id = $3 AND lp.item_id = i"
        " AND current_date BETWEEN coalesce(lp.valid_from, current_date) AND coalesce(lp.valid_to, current_date)",
        item_ids,
        customer_id,
        int(price_list_id),
    )
    return {int(i): p for i, p in rows if p is not None}


async def place_order(db: AsyncSession, principal: Principal, cmd: PlaceOrder) -> dict[str, Any]:
    """Price, credit-check and allocate a new order in one transaction."""
    ensure_warehouse(principal, cmd.warehouse)
    if not cmd.lines:
        raise Invalid("order.no_lines", "An order needs at least one line")
    customer_id, customer, rep = await _customer(db, principal, cmd.customer)
    refs = await catalog.items_by_sku(db, [line.sku for line in cmd.lines])
    today = await catalog.warehouse_today(db, cmd.warehouse)
    prices = await _prices(db, customer_id, customer.price_list_id, sorted({r.id for r in refs.values()}))
    lines = []
    for n, new in enumerate(cmd.lines, start=1):
        ref = refs[new.sku]
        if ref.id not in prices:
            raise Rejected("price.not_found", f"{customer.name} has no price for {new.sku}", sku=new.sku)
        qty = domain_item(ref).to_base(new.qty, new.uom)
        lines.append(order_line(n, ref.sku, qty, prices[ref.id], customer.credit_limit.currency))
    conn = await pg(db)
    order_id = int(await conn.fetchval("SELECT nextval(pg_get_serial_sequence('sales_orders', 'id'))"))
    draft = SalesOrder(
        id=f"SO-{order_id:08d}",
        customer_id=customer.id,
        warehouse=cmd.warehouse,
        status=OrderStatus.DRAFT,
        lines=tuple(lines),
        requested_date=cmd.requested_date or today,
        created_at=datetime.now(UTC),
        currency=customer.credit_limit.currency,
        ship_complete=cmd.ship_complete,
        priority=cmd.priority,
    )
    await lock_customer(db, customer_id)
    open_value = await conn.fetchval(
        "SELECT coalesce(sum(total_minor), 0) FROM sales_orders WHERE customer_id = $1 AND status = ANY($2::text[])",
        customer_id,
        list(OPEN),
    )
    credit = check_credit(customer, open_orders=Money(int(open_value or 0), draft.currency), this_order=draft.total)
    item_ids = {r.sku: r.id for r in refs.values()}
    await _insert_order(db, principal, order_id, customer_id, draft, item_ids, cmd=cmd, held=not credit.approved)
    if not credit.approved:
        views = await _hold(db, principal, order_id, draft, credit.reason, today=today)
        return views[order_id]
    # the new order is locked by its insert, holds nothing yet and is in memory: nothing to read back
    placed = OrderRecord(order_id, draft, customer, {line.line_no: item_ids[line.sku] for line in draft.lines})
    outcome = await allocate_locked(
        db, principal, warehouse=cmd.warehouse, records=[placed], items=refs, existing={order_id: []}, today=today
    )
    ((_, decision),) = outcome.decisions
    view = placed_view(
        draft,
        customer,
        decision=decision,
        written=outcome.written[order_id],
        sales_rep_id=rep,
        carrier=cmd.carrier,
        descriptions={sku: ref.description for sku, ref in outcome.refs.items()},
    )
    await emit_many(db, [*outcome.atp_changed, status_event(view)])
    return view


async def _insert_order(
    db: AsyncSession,
    principal: Principal,
    order_id: int,
    customer_id: int,
    order: SalesOrder,
    item_ids: dict[str, int],
    *,
    cmd: PlaceOrder,
    held: bool,
) -> None:
    """The order as a draft. A held line is backordered demand at once; a line about to be allocated
    starts at zero and allocation writes its remainder, so it never enters the open-demand index
    only to leave it in the same transaction (a dead entry every ATP read would step over)."""
    await (await pg(db)).execute(
        "WITH header AS (INSERT INTO sales_orders (id, number, customer_id, warehouse, status, requested_date,"
        " ship_complete, priority, currency, total_minor, status_reason, created_by, device_id, version, carrier,"
        " carrier_cutoff) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, '', $10, $11, 1, $12, $13)"
        " RETURNING id)"
        " INSERT INTO sales_order_lines (order_id, line_no, item_id, qty, unit_price_minor, qty_allocated,"
        " backordered, cancelled) SELECT header.id, n, i, q, p, 0, CASE WHEN $14 THEN q ELSE 0 END, false"
        " FROM header, unnest($15::int[], $16::bigint[], $17::bigint[], $18::bigint[]) AS v(n, i, q, p)",
        order_id,
        order.id,
        customer_id,
        order.warehouse,
        order.requested_date,
        order.ship_complete,
        order.priority,
        order.currency,
        order.total.amount,
        principal.user_id,
        principal.device_id,
        cmd.carrier,
        cmd.carrier_cutoff,
        held,
        [line.line_no for line in order.lines],
        [item_ids[line.sku] for line in order.lines],
        [line.qty for line in order.lines],
        [line.unit_price.amount for line in order.lines],
    )


async def _hold(
    db: AsyncSession, principal: Principal, order_id: int, order: SalesOrder, reason: str, *, today: date
) -> dict[int, dict[str, Any]]:
    orders.transition(order.status, OrderStatus.ON_HOLD)
    version = await db.scalar(
        text(
            "UPDATE sales_orders SET status = 'on_hold', status_reason = :r, version = version + 1 WHERE id = :id"
            " RETURNING version"
        ),
        {"r": reason, "id": order_id},
    )
    hold = credit_hold(order.id, order.warehouse, reason, by=principal.username, version=int(version or 0))
    await raise_exceptions(db, [hold])
    item_ids = await _order_item_ids(db, [order_id])
    await lock_items(db, order.warehouse, item_ids)
    await publish_atp(db, order.warehouse, item_ids, today=today)  # held demand still nets out of ATP
    return await order_events(db, [order_id])


async def _order_item_ids(db: AsyncSession, order_ids: list[int]) -> list[int]:
    rows = await (await pg(db)).fetch(
        "SELECT DISTINCT item_id FROM sales_order_lines WHERE order_id = ANY($1::bigint[])", order_ids
    )
    return [int(r[0]) for r in rows]


async def _order_id(db: AsyncSession, number: str) -> int:
    order_id = await db.scalar(text("SELECT id FROM sales_orders WHERE number = :n"), {"n": number})
    if order_id is None:
        raise NotFound("order.not_found", f"No order {number}", order=number)
    return int(order_id)


async def release_allocations(
    db: AsyncSession, principal: Principal, order_id: int, *, line_no: int | None = None
) -> set[int]:
    """Give back the stock an order (or one line) holds; returns the item ids touched. Caller locks the order."""
    warehouse = await db.scalar(text("SELECT warehouse FROM sales_orders WHERE id = :id"), {"id": order_id})
    rows = (
        await db.execute(
            text(
                "SELECT a.id, a.balance_id, a.qty, b.item_id"
                " FROM allocations a JOIN stock_balances b ON b.id = a.balance_id"
                " WHERE a.order_id = :o AND (CAST(:n AS int) IS NULL OR a.line_no = :n)"
            ),
            {"o": order_id, "n": line_no},
        )
    ).all()
    item_ids = {int(r.item_id) for r in rows} | set(await _order_item_ids(db, [order_id]))
    await lock_items(db, str(warehouse), item_ids)
    ledger = StockLedger(db, str(warehouse), principal.user_id, principal.device_id)
    ledger.hold(await lock_balance_ids(db, [r.balance_id for r in rows]))
    by_id = {b.id: b for b in ledger.held.values()}
    origin = Origin(f"order:{order_id}", principal.username, str(principal.device_id) if principal.device_id else None)
    for r in rows:
        ledger.apply(stock.deallocate(by_id[r.balance_id].key, int(r.qty), origin=origin))
    await ledger.flush()
    await db.execute(text("DELETE FROM allocations WHERE id = ANY(:ids)"), {"ids": [r.id for r in rows]})
    return item_ids
