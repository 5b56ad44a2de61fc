"""SQLAlchemy tables, split by noun. Importing this package registers them all on ``Base``."""

from server.models.base import Base
from server.models.commands import IdempotencyKey, OutboxEvent
from server.models.inventory import Lot, StockBalance, StockMovement, WarehouseItem
from server.models.masterdata import (
    Customer,
    CustomerPrice,
    Item,
    ItemUom,
    Location,
    PriceList,
    PriceListPrice,
    Warehouse,
)
from server.models.people import AuditEntry, AuthSession, Device, LoginFailure, Membership, RefreshToken, User
from server.models.realtime import DeviceMutation, StreamState
from server.models.sales import AllocationRow, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine

__all__ = [
    "AllocationRow",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Customer",
    "CustomerPrice",
    "Device",
    "DeviceMutation",
    "IdempotencyKey",
    "Item",
    "ItemUom",
    "Location",
    "LoginFailure",
    "Lot",
    "Membership",
    "OutboxEvent",
    "PriceList",
    "PriceListPrice",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "RefreshToken",
    "SalesOrder",
    "SalesOrderLine",
    "StockBalance",
    "StockMovement",
    "StreamState",
    "User",
    "Warehouse",
    "WarehouseItem",
]
