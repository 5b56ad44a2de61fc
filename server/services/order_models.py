"""Response models of the sales screens: customers, prices, orders, purchase orders, allocation runs."""

from __future__ import annotations

from datetime import date

from server.services.values import AsOf, Model, Money, Timestamp


class Credit(Model):
    limit: int
    """Integer minor units of ``currency``."""
    open_orders: int
    """Integer minor units of ``currency``."""
    available: int
    """Integer minor units of ``currency``."""
    currency: str
    status: str


class CustomerView(Model):
    code: str
    name: str
    priority_tier: int
    warehouse: str
    price_list: str
    min_shelf_life_days: int
    accepts_substitutes: bool
    credit: Credit


class CustomerPrice(Model):
    sku: str
    unit_price: Money
    agreed: bool


class HeldStock(Model):
    """Stock an order line holds, and the rule and reason that chose it."""

    location: str
    sku: str
    lot: str | None
    qty: int
    rule: str
    reason: str


class OrderLineView(Model):
    line_no: int
    sku: str
    description: str
    qty: int
    unit_price: Money
    allocated: int
    backordered: int
    cancelled: bool
    shipped: int
    allocations: list[HeldStock]


class OrderView(Model):
    """An order as screens and its ``order.status_changed`` event show it."""

    number: str
    warehouse: str
    customer: str
    customer_name: str
    sales_rep_id: int | None
    status: str
    status_reason: str
    can_change: bool
    can_cancel: bool
    requested_date: date
    ship_complete: bool
    priority: int | None
    total: Money
    version: int
    created_at: Timestamp
    carrier: str | None
    carrier_cutoff: Timestamp | None
    shipment: str | None
    shipped_at: Timestamp | None
    lines: list[OrderLineView]


class OrderList(Model):
    as_of: AsOf
    orders: list[OrderView]


class PurchaseOrderCreated(Model):
    number: str
    warehouse: str
    status: str
    lines: int


class ReallocatedOrder(Model):
    order: str
    status: str
    reason: str


class AllocationRun(Model):
    orders_considered: int
    orders: list[ReallocatedOrder]
