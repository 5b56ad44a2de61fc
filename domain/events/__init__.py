"""The event catalogue: one frozen type per event the server emits, with its typed routing fields and
a documented ``data`` (the entity's new state, never a diff). The outbox takes nothing else, realtime
routes and authorizes topics from it, and ``docs/events.md`` is generated from it."""

from domain.events.base import Audience, Event, Worker
from domain.events.catalogue import CATALOGUE, EVENT_TYPES, FEED_ONLY, events_for
from domain.events.documents import (
    JournalReversed,
    ReceiptClosed,
    ReceiptExpected,
    ReceiptLineConfirmed,
    ReceiptStarted,
    ReceiptUpdate,
    ShipmentConfirmed,
    ShippingUnitPacked,
)
from domain.events.floor import (
    ApprovalDecided,
    ApprovalRequested,
    ExceptionAcknowledged,
    ExceptionEvent,
    ExceptionRaised,
    ExceptionResolved,
    LocationCreated,
    WaveReleased,
)
from domain.events.payloads import (
    ALLOCATION_CHANGED,
    ORDER_STATUS_CHANGED,
    STOCK_CHANGED,
    allocation_changed,
    order_status_changed,
    stock_changed,
    stock_entity,
)
from domain.events.sales import OrderStatusChanged, StockChanged
from domain.events.tasks import (
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskCreated,
    TaskEvent,
    TaskExceptionRaised,
    TaskLeaseExpired,
    TaskReassigned,
    TaskReleased,
    TaskStarted,
)

__all__ = [
    "ALLOCATION_CHANGED",
    "CATALOGUE",
    "EVENT_TYPES",
    "FEED_ONLY",
    "ORDER_STATUS_CHANGED",
    "STOCK_CHANGED",
    "ApprovalDecided",
    "ApprovalRequested",
    "Audience",
    "Event",
    "ExceptionAcknowledged",
    "ExceptionEvent",
    "ExceptionRaised",
    "ExceptionResolved",
    "JournalReversed",
    "LocationCreated",
    "OrderStatusChanged",
    "ReceiptClosed",
    "ReceiptExpected",
    "ReceiptLineConfirmed",
    "ReceiptStarted",
    "ReceiptUpdate",
    "ShipmentConfirmed",
    "ShippingUnitPacked",
    "StockChanged",
    "TaskAssigned",
    "TaskCancelled",
    "TaskCompleted",
    "TaskCreated",
    "TaskEvent",
    "TaskExceptionRaised",
    "TaskLeaseExpired",
    "TaskReassigned",
    "TaskReleased",
    "TaskStarted",
    "WaveReleased",
    "Worker",
    "allocation_changed",
    "events_for",
    "order_status_changed",
    "stock_changed",
    "stock_entity",
]
