"""Customers as a rep sees them: priority, credit left, prices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from server.auth.tokens import Principal

_CUSTOMERS = text(
    "SELECT c.id, c.code, c.name, c.priority_tier, c.credit_limit_minor, c.currency, c.min_shelf_life_days,"
    " c.accepts_substitutes, c.warehouse, pl.code AS price_list, c.sales_rep_id,"
    " (SELECT coalesce(sum(o.total_minor), 0) FROM sales_orders o WHERE o.customer_id = c.id"
    "  AND o.status IN ('draft', 'on_hold', 'allocated', 'partially_allocated', 'backordered', 'released',"
    "  'picking', 'picked')) AS open_value"
    " FROM customers c LEFT JOIN price_lists pl ON pl.id = c.price_list_id"
    " WHERE (CAST(:rep AS bigint) IS NULL OR c.sales_rep_id = :rep) AND (CAST(:code AS text) IS NULL OR c.code = :code)"
    " AND (CAST(:warehouses AS text[]) IS NULL OR c.warehouse = ANY(CAST(:warehouses AS text[])))"
    " AND (CAST(:q AS text) IS NULL OR c.code ILIKE :like OR c.name ILIKE :like) ORDER BY c.code LIMIT :limit"
)


def sees_all_customers(principal: Principal) -> bool:
    return bool(principal.roles & {"supervisor", "admin"})


async def list_customers(
    db: AsyncSession, principal: Principal, *, q: str | None = None, code: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The caller's customers with credit status: those served from the caller's warehouses (all for
    admins), and of those a rep's own accounts only."""
    rep = None if sees_all_customers(principal) else principal.user_id
    warehouses = None if principal.is_admin else sorted(principal.warehouses)
    rows = await db.execute(
        _CUSTOMERS,
        {"rep": rep, "code": code, "q": q, "like": f"%{q}%" if q else None, "limit": limit, "warehouses": warehouses},
    )
    result = []
    for r in rows:
        available = int(r.credit_limit_minor) - int(r.open_value)
        result.append(
            {
                "code": r.code,
                "name": r.name,
                "priority_tier": r.priority_tier,
                "warehouse": r.warehouse,
                "price_list": r.price_list,
                "min_shelf_life_days": r.min_shelf_life_days,
                "accepts_substitutes": r.accepts_substitutes,
                "credit": {
                    "limit": int(r.credit_limit_minor),
                    "open_orders": int(r.open_value),
                    "available": available,
                    "currency": r.currency,
                    "status": "ok" if available > 0 else "exhausted",
                },
            }
        )
    return result


async def get_customer(db: AsyncSession, principal: Principal, code: str) -> dict[str, Any]:
    found = await list_customers(db, principal, code=code, limit=1)
    if not found:
        raise NotFound("customer.unknown", f"No customer {code} among your accounts", customer=code)
    return found[0]


async def customer_prices(db: AsyncSession, principal: Principal, code: str, skus: list[str]) -> list[dict[str, Any]]:
    """Unit prices per base unit for the customer: their own agreed price, else their list's."""
    customer = await get_customer(db, principal, code)
    rows = await db.execute(
        text(
            "SELECT i.sku, coalesce(cp.unit_price_minor, lp.unit_price_minor), cp.unit_price_minor IS NOT NULL"
            " FROM items i JOIN customers c ON c.code = :code"
            # a price counts within its validity (open-ended when a date is missing)
            " LEFT JOIN customer_prices cp ON cp.customer_id = c.id AND cp.item_id = i.id"
            " AND current_date BETWEEN coalesce(cp.valid_from, current_date) AND coalesce(cp.valid_to, current_date)"
            " LEFT JOIN price_list_prices lp ON lp.price_list_id = c.price_list_id AND lp.item_id = i.id"
            " AND current_date BETWEEN coalesce(lp.valid_from, current_date) AND coalesce(lp.valid_to, current_date)"
            " WHERE i.sku = ANY(:skus) ORDER BY i.sku"
        ),
        {"code": code, "skus": skus},
    )
    currency = customer["credit"]["currency"]
    return [
        {"sku": sku, "unit_price": {"amount": price, "currency": currency}, "agreed": agreed}
        for sku, price, agreed in rows
        if price is not None
    ]
