import json
from datetime import UTC, date, datetime

from domain import events
from domain.customers import Money
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder
from domain.stock import Balance, StockKey, StockStatus

ORDER = SalesOrder(
    "SO-1",
    "C1",
    "W1",
    OrderStatus.PARTIALLY_ALLOCATED,
    (OrderLine(1, "WATER", 10, Money(45, "EUR")), OrderLine(2, "COLA", 4, Money(99, "EUR"))),
    date(2025, 3, 12),
    datetime(2025, 3, 1, tzinfo=UTC),
    "EUR",
    version=3,
)


def test_event_type_names_are_stable():
    assert (events.STOCK_CHANGED, events.ORDER_STATUS_CHANGED, events.ALLOCATION_CHANGED) == (
        "stock.changed",
        "order.status_changed",
        "allocation.changed",
    )


def test_stock_changed_carries_the_whole_balance():
    key = StockKey("A-01", "YOG", "L1", StockStatus.QUARANTINED)
    data = events.stock_changed(key, Balance(on_hand=9, allocated=4, version=7))
    assert data == {
        "location": "A-01",
        "item": "YOG",
        "lot": "L1",
        "stock_status": "quarantined",
        "on_hand": 9,
        "allocated": 4,
        "free": 5,
        "version": 7,
    }
    assert events.stock_entity(key) == "stock:A-01|YOG|L1|quarantined"


def test_order_status_changed_carries_the_order_state_as_json():
    data = events.order_status_changed(ORDER)
    assert json.loads(json.dumps(data)) == data
    assert (data["status"], data["version"], data["requested_date"]) == (
        "partially_allocated",
        3,
        "2025-03-12",
    )
    assert data["total"] == {"amount": 846, "currency": "EUR"}


def test_allocation_changed_lists_every_allocation_and_backorder_per_line():
    held = [Allocation(1, StockKey("P-01", "WATER"), 6, "pick_face_first", "P-01 is a pick face")]
    data = events.allocation_changed(ORDER, held)
    assert json.loads(json.dumps(data)) == data
    first, second = data["lines"]
    assert (first["allocated"], first["backordered"]) == (6, 4)
    assert first["allocations"][0]["rule"] == "pick_face_first"
    assert (second["allocated"], second["backordered"], second["allocations"]) == (0, 4, [])
