"""Response models of packing and shipping."""

from __future__ import annotations

from server.services.order_models import OrderView
from server.services.values import Model, Timestamp


class UnitTotes(Model):
    sscc: str
    totes: list[str]


class OrderToPack(Model):
    number: str
    customer_name: str
    carrier: str | None
    totes: list[str]
    unpacked_totes: list[str]
    units: list[UnitTotes]


class PackedUnit(Model):
    sscc: str
    warehouse: str
    order: str
    totes: list[str]
    unpacked_totes: list[str]
    packed_by: str
    version: int


class ShippingUnitView(Model):
    sscc: str
    totes: list[str]
    packed_by: str
    packed_at: Timestamp
    shipment: str | None


class ShipmentView(Model):
    id: str
    warehouse: str
    wave: str | None
    carrier: str | None
    orders: list[OrderView]
    confirmed_by: str
    confirmed_at: Timestamp
