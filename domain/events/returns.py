"""Customer returns (RMA), step by step. Supervisors follow them live on the board."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import Event
from domain.events.topics import BOARD


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnUpdate(Event):
    """A return changed. ``entity_id`` is the RMA number; ``data`` is the return as its read returns it:
    customer, order and line, item, authorised quantity, reason, expected condition, status, what was
    received, the disposition of each unit, the credit, and version."""

    entity: ClassVar[str] = "return"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD})


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnAuthorised(ReturnUpdate):
    """Emitted when a rep or supervisor authorises a return against a shipped order line; ``data`` is
    the return, ``authorised``, with its RMA number for the label."""

    type: ClassVar[str] = "return.authorised"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnReceived(ReturnUpdate):
    """Emitted when a return is counted at the dock; ``data`` is the return, ``received``, with what
    arrived and how it differs from the authorisation (more, less, another item, another condition)."""

    type: ClassVar[str] = "return.received"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnInspected(ReturnUpdate):
    """Emitted when every received unit has its disposition (restock, quarantine, scrap, return to
    vendor); ``data`` is the return, ``inspected``."""

    type: ClassVar[str] = "return.inspected"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnClosed(ReturnUpdate):
    """Emitted when a return is settled: stock booked per disposition, the credit memo and inventory
    postings made; ``data`` is the return, ``closed``, with the credit memo and its amount."""

    type: ClassVar[str] = "return.closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnCancelled(ReturnUpdate):
    """Emitted when an authorisation is withdrawn before anything arrived; ``data`` is the return,
    ``cancelled``."""

    type: ClassVar[str] = "return.cancelled"


RETURN_EVENTS: tuple[type[Event], ...] = (
    ReturnAuthorised,
    ReturnReceived,
    ReturnInspected,
    ReturnClosed,
    ReturnCancelled,
)
