"""SQLAlchemy tables, split by noun. Importing this package registers them all on ``Base``."""

from server.models.base import Base
from server.models.commands import IdempotencyKey, OutboxEvent
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

__all__ = [
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
    "Membership",
    "OutboxEvent",
    "PriceList",
    "PriceListPrice",
    "RefreshToken",
    "StreamState",
    "User",
    "Warehouse",
]
