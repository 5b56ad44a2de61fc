"""Events of inbound and outbound documents and of the books. No live screen follows them today: other
systems take them from the pull feed and webhooks, which carry every event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import Event

NO_TOPICS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptExpected(Event):
    """Emitted when an ASN is announced. ``entity_id`` is the ASN number; ``data`` holds the ASN
    number, purchase order, warehouse, status ``expected``, its pallets (SSCCs) and how many lines."""

    type: ClassVar[str] = "receipt.expected"
    entity: ClassVar[str] = "asn"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptUpdate(Event):
    """A receipt at the dock changed; ``data`` is the receipt as its read returns it."""

    entity: ClassVar[str] = "receipt"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptStarted(ReceiptUpdate):
    """Emitted when receiving of an ASN starts at a dock. ``entity_id`` is the receipt number; ``data``
    is the receipt as its read returns it: ASN, PO, dock, status, blind or not, expected lines
    (quantities hidden when blind), what was received, pallets, version."""

    type: ClassVar[str] = "receipt.started"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptLineConfirmed(ReceiptUpdate):
    """Emitted when a pallet or an item label is received; ``data`` is the receipt as in
    ``receipt.started``, with the new line."""

    type: ClassVar[str] = "receipt.line_confirmed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptClosed(ReceiptUpdate):
    """Emitted when a receipt is closed (over, short and damaged are settled and putaway tasks made);
    ``data`` is the receipt as in ``receipt.started``, closed."""

    type: ClassVar[str] = "receipt.closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShippingUnitPacked(Event):
    """Emitted when totes of an order are packed onto a shipping unit. ``entity_id`` is its SSCC;
    ``data`` holds the SSCC, warehouse, order, the totes packed, the order's picked totes not packed
    yet, who packed and ``version`` 1."""

    type: ClassVar[str] = "shipping_unit.packed"
    entity: ClassVar[str] = "shipping_unit"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentConfirmed(Event):
    """Emitted when a wave's orders leave with a carrier. ``entity_id`` is the shipment id; ``data``
    holds the warehouse, wave, carrier, the shipped orders (each as ``order.status_changed`` shows it),
    who confirmed and when."""

    type: ClassVar[str] = "shipment.confirmed"
    entity: ClassVar[str] = "shipment"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalReversed(Event):
    """Emitted when a journal entry of a warehouse is reversed. ``entity_id`` is the reversed entry's
    id; ``data`` is the reversing entry (source, who posted it and when, memo, the entry it reverses,
    its balanced lines) and the warehouse."""

    type: ClassVar[str] = "journal.reversed"
    entity: ClassVar[str] = "journal_entry"
    topics: ClassVar[frozenset[str]] = NO_TOPICS
