import json
from datetime import UTC, date, datetime

from domain import events
from domain.customers import Money
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder
from domain.returns import (
    Condition,
    Disposition,
    ReturnedGoods,
    ReturnReason,
    ShippedLine,
    UnitDisposition,
    authorise,
    inspect,
    receive,
)
from domain.stock import Balance, StockKey, StockStatus
from domain.transfers import allocate, create_transfer

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


def test_an_inspected_returns_event_carries_the_whole_return():
    line = ShippedLine("SO-1", 1, "WATER", "W1", shipped=10, unit_price=Money(45, "EUR"), cost_value=300)
    rma = authorise(
        line, number="RMA-W1-000007", customer_id="C1", qty=2, reason=ReturnReason.DAMAGED,
        expected_condition=Condition.DAMAGED, by="rep1", at=datetime(2025, 3, 14, tzinfo=UTC),
    )
    received = receive(rma, [ReturnedGoods("WATER", 2, Condition.DAMAGED)])
    rma = inspect(received, [UnitDisposition("WATER", 2, Disposition.SCRAP)])
    data = events.return_data(rma)
    event = events.ReturnInspected(warehouse="W1", entity_id=rma.number, version=rma.version, data=data)
    data = json.loads(json.dumps(event.payload()))
    assert (data["number"], data["status"], data["version"], data["credit"]) == ("RMA-W1-000007", "inspected", 3, None)
    assert events.return_data(rma, credit=Money(90, "EUR"))["credit"] == {"amount": 90, "currency": "EUR"}
    assert data["received"] == [{"sku": "WATER", "lot": "", "qty": 2, "condition": "damaged"}]
    assert data["dispositions"] == [{"sku": "WATER", "lot": "", "qty": 2, "disposition": "scrap"}]
    assert "board" in event.topics


def test_a_transfers_event_carries_every_line_with_where_its_units_are():
    transfer = allocate(
        create_transfer("TR-1", source="W1", destination="W2", lines=[("WATER", 5)], expected_date=date(2025, 3, 17)),
        {1: 3},
    )
    data = json.loads(json.dumps(events.transfer_data(transfer)))
    assert (data["status"], data["expected_date"], data["version"]) == ("allocated", "2025-03-17", 2)
    assert data["lines"][0] == {
        "line_no": 1, "sku": "WATER", "ordered": 5, "allocated": 3, "picked": 0, "shipped": 0, "cancelled": 0,
        "value_in_transit": 0, "received": 0, "damaged": 0, "short": 0, "over": 0,
    }
