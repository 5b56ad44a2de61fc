"""A transfer is picked at its source, travels valued and owned by its destination, and is received
there with short, over and damaged as an ASN is; the books reconcile per warehouse and in transit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.atp import compute_atp
from domain.balances import account_balance
from domain.errors import Broken, Conflict, Invalid, Rejected
from domain.ledger import INVENTORY, INVENTORY_ADJUSTMENT, INVENTORY_IN_TRANSIT, WRITE_OFF, ItemValuation, JournalEntry
from domain.receiving import ReceivedLine, VarianceKind
from domain.stock import MovementReason, StockKey, StockStatus, apply_many
from domain.transfer_receipt import TransferReceipt, receive
from domain.transfers import (
    TRANSITIONS,
    Staged,
    TransferOrder,
    TransferShipment,
    TransferStatus,
    allocate,
    cancel,
    create_transfer,
    in_transit_inbound,
    in_transit_value,
    pick,
    ship,
)

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
DUE = date(2026, 3, 17)
SOURCE = ItemValuation("WATER", "WH1", "EUR", qty=20, value=2005)
EMPTY = ItemValuation("WATER", "WH2", "EUR")
STAGE = StockKey("STAGE-1", "WATER")


def transfer(qty: int = 8) -> TransferOrder:
    return create_transfer("TR-1", source="WH1", destination="WH2", lines=[("WATER", qty)], expected_date=DUE)


def picked(qty: int = 8, take: int = 6) -> TransferOrder:
    return pick(allocate(transfer(qty), {1: take}), {1: take})


def shipped(qty: int = 8, take: int = 6, source: ItemValuation = SOURCE) -> TransferShipment:
    return ship(
        picked(qty, take),
        staged=[Staged(1, STAGE, take)],
        valuations={"WATER": source},
        shipment_id="TS-1",
        user="ship1",
        at=NOW,
    )


def received(sent: TransferShipment, *counted: ReceivedLine, dest: ItemValuation = EMPTY) -> TransferReceipt:
    return receive(
        sent.transfer, counted, dock="DOCK-2", valuations={"WATER": dest}, receipt_id="TRR-1", user="r", at=NOW
    )


def balance(entries: tuple[JournalEntry, ...], account: object, warehouse: str) -> int:
    return account_balance(entries, account, currency="EUR", warehouse=warehouse)  # type: ignore[arg-type]


def test_every_transfer_status_has_a_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(TransferStatus)


def test_a_transfer_goes_between_two_warehouses_and_names_each_item_once() -> None:
    with pytest.raises(Rejected) as same:
        create_transfer("TR-1", source="WH1", destination="WH1", lines=[("WATER", 1)], expected_date=DUE)
    assert same.value.code == "transfer.same_warehouse"
    with pytest.raises(Invalid) as empty:
        create_transfer("TR-1", source="WH1", destination="WH2", lines=[], expected_date=DUE)
    assert empty.value.code == "transfer.no_lines"
    with pytest.raises(Invalid) as twice:
        create_transfer("TR-1", source="WH1", destination="WH2", lines=[("A", 1), ("A", 2)], expected_date=DUE)
    assert twice.value.code == "transfer.duplicate_item"


def test_a_transfer_is_open_then_allocated_then_picked_once_nothing_allocated_is_left() -> None:
    allocated = allocate(transfer(), {1: 6})
    assert (allocated.status, allocated.line(1).qty.allocated, allocated.line(1).qty.backordered) == (
        TransferStatus.ALLOCATED,
        6,
        2,
    )
    assert pick(allocated, {1: 4}).status is TransferStatus.ALLOCATED
    assert pick(allocated, {1: 6}).status is TransferStatus.PICKED
    with pytest.raises(Conflict) as err:
        ship(transfer(), staged=[], valuations={}, shipment_id="TS-1", user="u", at=NOW)
    assert err.value.code == "transfer.invalid_transition"


def test_cancelling_releases_what_was_allocated_but_not_once_anything_is_picked() -> None:
    cancelled, released = cancel(allocate(transfer(), {1: 6}))
    assert (cancelled.status, released, cancelled.line(1).qty.cancelled) == (TransferStatus.CANCELLED, {1: 6}, 8)
    with pytest.raises(Conflict) as err:
        cancel(pick(allocate(transfer(), {1: 6}), {1: 2}))
    assert err.value.code == "transfer.already_picked"


def test_shipping_moves_the_value_from_the_source_inventory_to_the_destinations_transit() -> None:
    sent = shipped()
    line = sent.transfer.line(1)
    assert sent.transfer.status is TransferStatus.IN_TRANSIT
    assert (line.qty.shipped, line.qty.cancelled, line.value_in_transit) == (6, 2, 602)  # 601.5 half-even
    assert balance(sent.entries, INVENTORY, "WH1") == -602
    assert balance(sent.entries, INVENTORY_IN_TRANSIT, "WH2") == 602
    assert sent.valuations["WATER"] == ItemValuation("WATER", "WH1", "EUR", qty=14, value=1403)
    [out] = sent.movements
    assert (out.key, out.delta_on_hand, out.delta_allocated, out.reason) == (STAGE, -6, -6, MovementReason.TRANSFER_OUT)


def test_each_side_of_a_transfer_is_valued_with_its_own_warehouses_valuation() -> None:
    with pytest.raises(Rejected) as source:
        shipped(source=EMPTY)
    with pytest.raises(Rejected) as dest:
        received(shipped(), ReceivedLine("WATER", 6), dest=SOURCE)
    assert source.value.code == dest.value.code == "ledger.wrong_warehouse"


def test_shipping_refuses_staged_stock_that_is_not_what_was_picked() -> None:
    with pytest.raises(Broken) as err:
        ship(picked(), staged=[Staged(1, STAGE, 5)], valuations={"WATER": SOURCE}, shipment_id="TS-1", user="u", at=NOW)
    assert err.value.code == "transfer.staging_mismatch"


def test_the_destination_counts_what_is_in_transit_as_inbound_on_its_expected_date() -> None:
    sent = shipped().transfer
    inbound = in_transit_inbound([sent, picked()], warehouse="WH2", sku="WATER")
    assert inbound == ((DUE, 6),)
    assert in_transit_inbound([sent], warehouse="WH1", sku="WATER") == ()
    atp = compute_atp("WATER", "WH2", balances=[], inbound=inbound, demand=[(DUE, 2)], today=date(2026, 3, 14))
    assert (atp.available_now, atp.promisable_on(DUE), atp.promisable_on(date(2026, 3, 16))) == (0, 4, 0)
    assert in_transit_value([sent], warehouse="WH2") == 602
    arrived = received(shipped(), ReceivedLine("WATER", 6)).transfer
    assert in_transit_inbound([arrived], warehouse="WH2", sku="WATER") == ()


def test_a_receipt_with_a_short_and_a_damaged_unit_writes_both_off_from_transit() -> None:
    got = received(shipped(), ReceivedLine("WATER", 4, damaged_qty=1, damage_reason="crushed"))
    line = got.transfer.line(1)
    assert got.transfer.status is TransferStatus.RECEIVED
    assert (line.received, line.damaged, line.short, line.over) == (4, 1, 1, 0)
    assert {(v.kind, v.qty) for v in got.result.variances} == {(VarianceKind.DAMAGED, 1), (VarianceKind.SHORT, 1)}
    assert len(got.result.exceptions) == 2
    assert balance(got.entries, INVENTORY, "WH2") == 401  # 4 of 6 units worth 602
    assert balance(got.entries, WRITE_OFF, "WH2") == 201
    assert balance(got.entries, INVENTORY_IN_TRANSIT, "WH2") == -602
    assert got.valuations["WATER"] == ItemValuation("WATER", "WH2", "EUR", qty=4, value=401)
    shelves = apply_many({}, got.movements)
    assert shelves[StockKey("DOCK-2", "WATER")].on_hand == 4
    assert shelves[StockKey("DOCK-2", "WATER", status=StockStatus.DAMAGED)].on_hand == 0


def test_units_beyond_what_was_shipped_are_found_stock_at_the_transfers_unit_cost_when_none_is_known() -> None:
    got = received(shipped(), ReceivedLine("WATER", 7))
    assert got.transfer.line(1).over == 1
    assert balance(got.entries, INVENTORY_ADJUSTMENT, "WH2") == -100
    assert got.valuations["WATER"] == ItemValuation("WATER", "WH2", "EUR", qty=7, value=702)
    at_average = received(shipped(), ReceivedLine("WATER", 7), dest=ItemValuation("WATER", "WH2", "EUR", 2, 250))
    assert balance(at_average.entries, INVENTORY_ADJUSTMENT, "WH2") == -125


def test_a_transfer_is_received_once() -> None:
    got = received(shipped(), ReceivedLine("WATER", 6))
    with pytest.raises(Conflict) as err:
        receive(got.transfer, [], dock="DOCK-2", valuations={}, receipt_id="TRR-2", user="u", at=NOW)
    assert err.value.code == "transfer.invalid_transition"


@given(
    take=st.integers(1, 20),
    good=st.integers(0, 25),
    damaged=st.integers(0, 5),
    value=st.integers(0, 100_000),
    dest_qty=st.integers(0, 10),
)
def test_after_shipping_and_receiving_each_warehouse_and_transit_reconcile(
    take: int, good: int, damaged: int, value: int, dest_qty: int
) -> None:
    source = ItemValuation("WATER", "WH1", "EUR", qty=20, value=value)
    dest = ItemValuation("WATER", "WH2", "EUR", qty=dest_qty, value=dest_qty * 90, last_unit_cost=90)
    sent = shipped(20, take, source)
    assert balance(sent.entries, INVENTORY_IN_TRANSIT, "WH2") == in_transit_value([sent.transfer], warehouse="WH2")
    if good + damaged == 0:
        return  # nothing counted: receiving refuses an empty line
    got = received(sent, ReceivedLine("WATER", good, damaged_qty=damaged, damage_reason="wet"), dest=dest)
    books = sent.entries + got.entries
    assert balance(books, INVENTORY, "WH1") == sent.valuations["WATER"].value - source.value
    assert balance(books, INVENTORY, "WH2") == got.valuations["WATER"].value - dest.value
    assert balance(books, INVENTORY_IN_TRANSIT, "WH2") == 0 == in_transit_value([got.transfer], warehouse="WH2")
    on_shelves = sum(b.on_hand for b in apply_many({}, got.movements).values())
    assert got.valuations["WATER"].qty - dest.qty == on_shelves == good
    line = got.transfer.line(1)
    assert line.received + line.damaged + line.short - line.over == line.qty.shipped == take
