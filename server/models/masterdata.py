"""Master data: warehouses and their locations, items and units, customers and prices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ARRAY, BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class Warehouse(Base):
    __tablename__ = "warehouses"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # a count variance worth less than this (minor units) is booked at once, above it a supervisor approves
    count_auto_adjust_limit_minor: Mapped[int] = mapped_column(BigInteger, default=5000, server_default="5000")


class Location(Base):
    """A place that holds stock; its code is its barcode."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    zone: Mapped[str] = mapped_column(String(16))
    aisle: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(16))
    pick_sequence: Mapped[int] = mapped_column(Integer, default=0)
    x: Mapped[int] = mapped_column(Integer, default=0)
    y: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    min_qty: Mapped[int | None] = mapped_column(Integer)
    max_qty: Mapped[int | None] = mapped_column(Integer)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(256))
    base_uom: Mapped[str] = mapped_column(String(8), default="EA")
    item_class: Mapped[str] = mapped_column(String(16), default="general")
    lot_tracked: Mapped[bool] = mapped_column(default=False)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    substitutes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    standard_cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    abc_class: Mapped[str] = mapped_column(String(1), default="C", server_default="C")  # cycle-count frequency
    created_at: Mapped[datetime] = created_at()


class ItemUom(Base):
    """A unit an item is handled in (each, case), its size in base units, and its GTIN."""

    __tablename__ = "item_uoms"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    uom: Mapped[str] = mapped_column(String(8), primary_key=True)
    factor: Mapped[int] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)


class PriceList(Base):
    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    currency: Mapped[str] = mapped_column(String(3))


class PriceListPrice(Base):
    __tablename__ = "price_list_prices"

    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date | None] = mapped_column(Date)  # open-ended when null
    valid_to: Mapped[date | None] = mapped_column(Date)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    priority_tier: Mapped[int] = mapped_column(Integer, default=3)
    credit_limit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    min_shelf_life_days: Mapped[int] = mapped_column(Integer, default=0)
    price_list_id: Mapped[int | None] = mapped_column(ForeignKey("price_lists.id"))
    accepts_substitutes: Mapped[bool] = mapped_column(default=False)
    sales_rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))


class CustomerPrice(Base):
    """A price agreed with one customer, overriding its price list."""

    __tablename__ = "customer_prices"
    __table_args__ = (UniqueConstraint("customer_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date | None] = mapped_column(Date)  # open-ended when null
    valid_to: Mapped[date | None] = mapped_column(Date)
