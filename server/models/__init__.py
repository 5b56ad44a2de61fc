"""SQLAlchemy tables, split by noun. Importing this package registers them all on ``Base``."""

from server.models.base import Base
from server.models.commands import IdempotencyKey, OutboxEvent
from server.models.counting import CountResult
from server.models.execution import (
    Approval,
    Asn,
    AsnLine,
    ExceptionRow,
    Receipt,
    ReceiptLine,
    TaskRow,
    Wave,
    WaveOrder,
)
from server.models.imports import CustomerWarehouse, ImportRun, MasterDataChange, Supplier
from server.models.inventory import Lot, StockBalance, StockMovement, WarehouseItem
from server.models.ledger import Account, ItemValuation, JournalEntry, JournalLine
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
from server.models.people import (
    AuditEntry,
    AuthSession,
    Device,
    LoginCounter,
    LoginFailure,
    Membership,
    RefreshToken,
    User,
)
from server.models.realtime import DeviceMutation, DeviceQueue, StreamState
from server.models.sales import AllocationRow, PurchaseOrder, PurchaseOrderLine, SalesOrder, SalesOrderLine
from server.models.shipping import Shipment, ShippingUnit

__all__ = [
    "Account",
    "AllocationRow",
    "Approval",
    "Asn",
    "AsnLine",
    "AuditEntry",
    "AuthSession",
    "Base",
    "CountResult",
    "Customer",
    "CustomerPrice",
    "CustomerWarehouse",
    "Device",
    "DeviceMutation",
    "DeviceQueue",
    "ExceptionRow",
    "IdempotencyKey",
    "ImportRun",
    "Item",
    "ItemUom",
    "ItemValuation",
    "JournalEntry",
    "JournalLine",
    "Location",
    "LoginCounter",
    "LoginFailure",
    "Lot",
    "MasterDataChange",
    "Membership",
    "OutboxEvent",
    "PriceList",
    "PriceListPrice",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Receipt",
    "ReceiptLine",
    "RefreshToken",
    "SalesOrder",
    "SalesOrderLine",
    "Shipment",
    "ShippingUnit",
    "StockBalance",
    "StockMovement",
    "StreamState",
    "Supplier",
    "TaskRow",
    "User",
    "Warehouse",
    "WarehouseItem",
    "Wave",
    "WaveOrder",
]
