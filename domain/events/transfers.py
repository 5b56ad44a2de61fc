"""Transfers between warehouses. Supervisors of the warehouse an event names follow them on the
board; a transfer's shipment and receipt are announced in the destination's warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import Event
from domain.events.topics import BOARD


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferUpdate(Event):
    """A transfer changed. ``entity_id`` is the transfer number; ``data`` is the transfer as its read
    returns it: source, destination, expected date, status, lines (ordered, allocated, picked, shipped,
    cancelled, received, damaged, short, over) and the value in transit, and version."""

    entity: ClassVar[str] = "transfer"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD})


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCreated(TransferUpdate):
    """Emitted when a transfer order is raised at its source; ``data`` is the transfer, ``open``."""

    type: ClassVar[str] = "transfer.created"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferAllocated(TransferUpdate):
    """Emitted when source stock is allocated to a transfer; ``data`` is the transfer, ``allocated``."""

    type: ClassVar[str] = "transfer.allocated"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferPicked(TransferUpdate):
    """Emitted when everything allocated to a transfer is picked; ``data`` is the transfer, ``picked``."""

    type: ClassVar[str] = "transfer.picked"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferShipped(TransferUpdate):
    """Emitted when a transfer leaves its source: its stock is in transit, owned by the destination;
    ``data`` is the transfer, ``in_transit``, with the value in transit per line."""

    type: ClassVar[str] = "transfer.shipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferReceived(TransferUpdate):
    """Emitted when a transfer is received at its destination; ``data`` is the transfer, ``received``,
    with good, damaged, short and over units per line."""

    type: ClassVar[str] = "transfer.received"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCancelled(TransferUpdate):
    """Emitted when a transfer is cancelled before it was picked; ``data`` is the transfer,
    ``cancelled``."""

    type: ClassVar[str] = "transfer.cancelled"


TRANSFER_EVENTS: tuple[type[Event], ...] = (
    TransferCreated,
    TransferAllocated,
    TransferPicked,
    TransferShipped,
    TransferReceived,
    TransferCancelled,
)
