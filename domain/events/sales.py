"""What sales screens follow live: available-to-promise per SKU and the status of orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from domain.events.base import Audience, Event
from domain.events.topics import ATP, ORDERS

SKU_KEY = "sku"
SALES_REP_KEY = "sales_rep_id"


@dataclass(frozen=True, slots=True, kw_only=True)
class StockChanged(Event):
    """Emitted after any command that changed stock or demand of an item (receipt, pick, count,
    allocation, order, adjustment), once per item and warehouse. ``entity_id`` is the SKU; ``data``
    holds ``sku``, ``warehouse`` and ``atp``: the item's available-to-promise as the ATP read returns it
    (on hand, allocated, free by status, inbound by date)."""

    type: ClassVar[str] = "stock.changed"
    entity: ClassVar[str] = "atp"
    topics: ClassVar[frozenset[str]] = frozenset({ATP})
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (("sku", SKU_KEY),)

    sku: str

    @classmethod
    def audience(cls, data: Mapping[str, Any]) -> Audience:
        return Audience(sku=data.get(SKU_KEY))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusChanged(Event):
    """Emitted when a sales order is captured or changes status (allocated, released in a wave, picked,
    shipped, cancelled). ``entity_id`` is the order number; ``data`` is the order as its read returns it:
    customer, ``sales_rep_id``, status, version, lines with their allocations and backorders, totals."""

    type: ClassVar[str] = "order.status_changed"
    entity: ClassVar[str] = "order"
    topics: ClassVar[frozenset[str]] = frozenset({ORDERS})
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (("sales_rep_id", SALES_REP_KEY),)

    sales_rep_id: int | None  # the customer's sales rep: the one rep who sees it besides supervisors

    @classmethod
    def audience(cls, data: Mapping[str, Any]) -> Audience:
        return Audience(sales_rep_id=data.get(SALES_REP_KEY))
