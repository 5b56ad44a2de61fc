"""Closing a return books each disposition, credits the customer at the invoiced price and brings
inventory back at its recorded cost; the books and the shelves agree afterwards."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.balances import account_balance
from domain.customers import Money
from domain.errors import Conflict, NotFound, Rejected
from domain.ledger import AR, COGS, INVENTORY, INVENTORY_ADJUSTMENT, REVENUE, WRITE_OFF, ItemValuation
from domain.return_settlement import ReturnPlaces, ReturnSettlement, settle
from domain.returns import (
    Condition,
    Disposition,
    ReturnAuthorisation,
    ReturnedGoods,
    ReturnReason,
    RmaStatus,
    ShippedLine,
    UnitDisposition,
    authorise,
    inspect,
    receive,
)
from domain.stock import MovementReason, StockKey, StockStatus, apply_many

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
PLACES = ReturnPlaces(returns_area="RET-01", vendor_returns="RTV-01")
LINE = ShippedLine("SO-7", 1, "WATER", "WH1", shipped=10, unit_price=Money(250, "EUR"), cost_value=1003)
WATER = ItemValuation("WATER", "WH1", "EUR", qty=20, value=2000)
COLA = ItemValuation("COLA", "WH1", "EUR", qty=3, value=300)


def inspected(
    goods: list[ReturnedGoods], dispositions: list[UnitDisposition], *, qty: int = 4, line: ShippedLine = LINE
) -> ReturnAuthorisation:
    rma = authorise(
        line,
        number="RMA-WH1-000001",
        customer_id="C1",
        qty=qty,
        reason=ReturnReason.DEFECTIVE,
        expected_condition=Condition.RESALEABLE,
        by="rep1",
        at=NOW,
    )
    return inspect(receive(rma, goods), dispositions)


def restocked(qty: int, *, line: ShippedLine = LINE) -> ReturnAuthorisation:
    """``qty`` resaleable units of the authorised item back, all restocked."""
    goods = [ReturnedGoods(line.sku, qty, Condition.RESALEABLE)]
    return inspected(goods, [UnitDisposition(line.sku, qty, Disposition.RESTOCK)], line=line)


def close(rma: ReturnAuthorisation, **valuations: ItemValuation) -> ReturnSettlement:
    return settle(rma, valuations=valuations or {"WATER": WATER}, places=PLACES, memo_id="CM-1", user="sup1", at=NOW)


def lines(settled: ReturnSettlement) -> list[tuple[str, str, int, int]]:
    return [(e.header.source.kind, ln.account, ln.debit, ln.credit) for e in settled.entries for ln in e.lines]


def test_a_restocked_return_credits_the_invoice_price_and_brings_inventory_back_at_recorded_cost() -> None:
    settled = close(restocked(4))
    assert settled.rma.status is RmaStatus.CLOSED
    assert (settled.credited_qty, settled.credit) == (4, Money(1000, "EUR"))
    # 4 of the 10 units that left with 1003 of COGS: 401.2, rounded half-even
    assert lines(settled) == [
        ("credit_memo", REVENUE.code, 1000, 0),
        ("credit_memo", AR.code, 0, 1000),
        ("return", INVENTORY.code, 401, 0),
        ("return", COGS.code, 0, 401),
    ]
    assert settled.valuations["WATER"] == ItemValuation("WATER", "WH1", "EUR", qty=24, value=2401)
    [move] = settled.movements
    assert (move.key, move.delta_on_hand, move.reason) == (StockKey("RET-01", "WATER"), 4, MovementReason.RETURN)


def test_each_disposition_books_its_own_stock_and_scrap_is_written_off_at_the_value_it_came_back_with() -> None:
    goods = [ReturnedGoods("WATER", 4, Condition.DAMAGED)]
    every = [UnitDisposition("WATER", 1, d) for d in Disposition]
    settled = close(inspected(goods, every))
    balances = apply_many({}, settled.movements)
    assert {k: b.on_hand for k, b in balances.items()} == {
        StockKey("RET-01", "WATER", status=StockStatus.AVAILABLE): 1,
        StockKey("RET-01", "WATER", status=StockStatus.QUARANTINED): 1,
        StockKey("RTV-01", "WATER", status=StockStatus.QUARANTINED): 1,
        StockKey("RET-01", "WATER", status=StockStatus.DAMAGED): 0,
    }
    assert [m.reason for m in settled.movements].count(MovementReason.ADJUST_SCRAP) == 1
    assert ("return", WRITE_OFF.code, 100, 0) in lines(settled)  # a quarter of 401, half-even
    assert settled.valuations["WATER"] == ItemValuation("WATER", "WH1", "EUR", qty=23, value=2301)
    assert settled.credit == Money(1000, "EUR")  # the customer is credited whatever we do with the goods


def test_the_last_units_of_a_line_take_whatever_recorded_cost_is_left() -> None:
    earlier = replace(LINE, returned=6, restored=6, restored_cost=602)
    assert ("return", INVENTORY.code, 401, 0) in lines(close(restocked(4, line=earlier)))
    earlier = replace(LINE, cost_value=1005, returned=6, restored=6, restored_cost=600)
    assert ("return", INVENTORY.code, 405, 0) in lines(close(restocked(4, line=earlier)))


def test_less_than_authorised_is_credited_for_what_came_back_only() -> None:
    settled = close(restocked(1))
    assert (settled.credited_qty, settled.credit) == (1, Money(250, "EUR"))
    assert ("return", COGS.code, 0, 100) in lines(settled)  # 100.3 of 1003 / 10


def test_units_nobody_authorised_get_no_credit_and_come_in_as_found_stock_at_average_cost() -> None:
    goods = [ReturnedGoods("WATER", 5, Condition.RESALEABLE), ReturnedGoods("COLA", 2, Condition.RESALEABLE)]
    dispositions = [
        UnitDisposition("WATER", 5, Disposition.RESTOCK),
        UnitDisposition("COLA", 2, Disposition.QUARANTINE),
    ]
    settled = close(inspected(goods, dispositions), WATER=WATER, COLA=COLA)
    assert settled.credit == Money(1000, "EUR")
    net = Counter[tuple[str, str]]()
    for e in settled.entries:
        for ln in e.lines:
            net[(e.header.entry_id, ln.account)] += ln.debit - ln.credit
    assert net[("RMA-WH1-000001/WATER", INVENTORY.code)] == 401 + 100  # one extra unit at 2000/20
    assert net[("RMA-WH1-000001/WATER", COGS.code)] == -401
    assert net[("RMA-WH1-000001/WATER", INVENTORY_ADJUSTMENT.code)] == -100
    assert net[("RMA-WH1-000001/COLA", INVENTORY_ADJUSTMENT.code)] == -200
    assert settled.valuations["COLA"] == ItemValuation("COLA", "WH1", "EUR", qty=5, value=500)


def test_an_item_without_a_valuation_or_a_cost_cannot_be_settled() -> None:
    rma = inspected([ReturnedGoods("COLA", 1, Condition.RESALEABLE)], [UnitDisposition("COLA", 1, Disposition.RESTOCK)])
    with pytest.raises(NotFound) as missing:
        close(rma)
    assert missing.value.code == "ledger.valuation_unknown"
    with pytest.raises(Rejected) as unknown:
        close(rma, WATER=WATER, COLA=ItemValuation("COLA", "WH1", "EUR"))
    assert unknown.value.code == "ledger.cost_unknown"
    with pytest.raises(Rejected) as elsewhere:
        close(rma, COLA=ItemValuation("COLA", "WH2", "EUR", qty=3, value=300))
    assert elsewhere.value.code == "ledger.wrong_warehouse"


def test_only_an_inspected_return_can_be_closed() -> None:
    with pytest.raises(Conflict) as err:
        close(close(restocked(4)).rma)
    assert err.value.code == "return.invalid_transition"


@given(
    split=st.lists(st.tuples(st.sampled_from(list(Disposition)), st.integers(1, 5)), min_size=1, max_size=6),
    cost=st.integers(0, 10_000),
    on_hand=st.integers(1, 50),
)
def test_after_any_return_inventory_in_the_books_equals_the_valuation_and_the_shelves_agree(
    split: list[tuple[Disposition, int]], cost: int, on_hand: int
) -> None:
    received = sum(q for _, q in split)
    line = replace(LINE, shipped=received + 3, unit_price=Money(99, "EUR"), cost_value=cost)
    before = ItemValuation("WATER", "WH1", "EUR", qty=on_hand, value=on_hand * 37)
    rma = inspected(
        [ReturnedGoods("WATER", received, Condition.RESALEABLE)],
        [UnitDisposition("WATER", q, d) for d, q in split],
        qty=received,
        line=line,
    )
    settled = close(rma, WATER=before)
    after = settled.valuations["WATER"]
    assert account_balance(settled.entries, INVENTORY, currency="EUR", warehouse="WH1") == after.value - before.value
    assert account_balance(settled.entries, AR, currency="EUR") == -99 * received
    on_shelves = Counter[str]()
    for key, balance in apply_many({}, settled.movements).items():
        on_shelves[key.item] += balance.on_hand
    scrapped = sum(q for d, q in split if d is Disposition.SCRAP)
    assert after.qty - before.qty == on_shelves["WATER"] == received - scrapped
