"""Packing and shipping: totes packed into SSCC-labelled shipping units, confirmed as shipments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class Shipment(Base):
    """One ship-confirm: the orders (or the wave) that left the dock together."""

    __tablename__ = "shipments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), index=True)
    wave_id: Mapped[str | None] = mapped_column(ForeignKey("waves.id"))
    carrier: Mapped[str | None] = mapped_column(String(32))
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = created_at()


class ShippingUnit(Base):
    """A carton or pallet with its SSCC, holding one order's totes."""

    __tablename__ = "shipping_units"

    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    totes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    packed_by: Mapped[str] = mapped_column(String(64))
    packed_at: Mapped[datetime] = created_at()
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
