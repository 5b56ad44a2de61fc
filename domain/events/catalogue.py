"""The catalogue: every event type the server emits, by name, and which live topics carry each."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.events import documents, floor, sales
from domain.events.base import Event
from domain.events.credit import CREDIT_EVENTS
from domain.events.returns import RETURN_EVENTS
from domain.events.tasks import TASK_EVENTS
from domain.events.transfers import TRANSFER_EVENTS

# Events no live topic carries, on purpose: other systems read them from the feed and webhooks. An
# event that is in neither a topic nor this list is a mistake the contract test reports.
FEED_ONLY: tuple[type[Event], ...] = (
    documents.ReceiptExpected,
    documents.ReceiptStarted,
    documents.ReceiptLineConfirmed,
    documents.ReceiptClosed,
    documents.ShippingUnitPacked,
    documents.ShipmentConfirmed,
    documents.JournalReversed,
    *CREDIT_EVENTS,
)

EVENT_TYPES: tuple[type[Event], ...] = (
    *TASK_EVENTS,
    floor.WaveReleased,
    floor.ExceptionRaised,
    floor.ExceptionAcknowledged,
    floor.ExceptionResolved,
    floor.ApprovalRequested,
    floor.ApprovalDecided,
    floor.LocationCreated,
    sales.StockChanged,
    sales.OrderStatusChanged,
    *RETURN_EVENTS,
    *TRANSFER_EVENTS,
    *FEED_ONLY,
)

CATALOGUE: Mapping[str, type[Event]] = MappingProxyType({cls.type: cls for cls in EVENT_TYPES})


def events_for(topic: str) -> tuple[type[Event], ...]:
    """The event types a topic kind carries."""
    return tuple(cls for cls in EVENT_TYPES if topic in cls.topics)
