"""Sales orders, their lines and allocations; purchase orders for inbound supply."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class SalesOrder(Base):
    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_customer_status", "customer_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    requested_date: Mapped[date] = mapped_column(Date)
    ship_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[uuid.UUID | None]
    approved_by: Mapped[int | None] = mapped_column(BigInteger)
    approved_at: Mapped[datetime | None]
    carrier: Mapped[str | None] = mapped_column(String(32))
    carrier_cutoff: Mapped[datetime | None]
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    shipped_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[datetime] = created_at()


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = (
        Index("ix_sales_order_lines_open_demand", "item_id", postgresql_where=text("backordered > 0")),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("backordered >= 0 AND backordered <= qty", name="backordered_within_qty"),
        CheckConstraint("qty_allocated >= 0 AND qty_allocated <= qty", name="allocated_within_qty"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    qty_allocated: Mapped[int] = mapped_column(BigInteger, default=0)
    # unallocated demand while the order is open (0 once shipped or cancelled): what ATP nets out
    backordered: Mapped[int] = mapped_column(BigInteger, default=0)
    qty_shipped: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class AllocationRow(Base):
    """Stock currently promised to an order line, with the rule that chose it and why."""

    __tablename__ = "allocations"
    __table_args__ = (
        Index("ix_allocations_order", "order_id", "line_no"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    balance_id: Mapped[int] = mapped_column(ForeignKey("stock_balances.id"), index=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    supplier: Mapped[str] = mapped_column(String(128))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | cancelled
    expected_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = created_at()


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        Index("ix_purchase_order_lines_open", "item_id", postgresql_where=text("open_qty > 0")),
        CheckConstraint("qty_ordered > 0 AND qty_received >= 0", name="quantities"),
    )

    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty_ordered: Mapped[int] = mapped_column(BigInteger)
    qty_received: Mapped[int] = mapped_column(BigInteger, default=0)
    # still expected while the PO is open (0 once closed or cancelled): ATP's inbound supply
    open_qty: Mapped[int] = mapped_column(BigInteger, default=0)
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    expected_date: Mapped[date | None] = mapped_column(Date)
