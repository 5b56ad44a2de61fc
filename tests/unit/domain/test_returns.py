"""A return is authorised against what shipped, received whatever arrives, and inspected unit by unit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.customers import Money
from domain.errors import Conflict, Invalid, Rejected
from domain.exception_queue import ExceptionKind
from domain.returns import (
    TRANSITIONS,
    Condition,
    DifferenceKind,
    Disposition,
    ReturnAuthorisation,
    ReturnedGoods,
    ReturnReason,
    RmaStatus,
    ShippedLine,
    UnitDisposition,
    authorise,
    cancel,
    difference_exceptions,
    differences,
    inspect,
    parse_rma_number,
    receive,
    rma_number,
)

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
LINE = ShippedLine("SO-7", 1, "WATER", "WH1", shipped=10, unit_price=Money(250, "EUR"), cost_value=1003)


def rma(qty: int = 4, line: ShippedLine = LINE, condition: Condition = Condition.RESALEABLE) -> ReturnAuthorisation:
    return authorise(
        line,
        number="RMA-WH1-000001",
        customer_id="C1",
        qty=qty,
        reason=ReturnReason.NOT_NEEDED,
        expected_condition=condition,
        by="rep1",
        at=NOW,
    )


def test_every_return_status_has_a_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(RmaStatus)


def test_rma_numbers_name_the_warehouse_and_a_six_digit_sequence() -> None:
    assert rma_number("wh1", 42) == "RMA-WH1-000042"
    assert parse_rma_number(" rma-wh2-000123 ") == ("WH2", 123)
    for bad in ("RMA-WH1-42", "SO-WH1-000001", "RMA--000001", "RMA-WH1-0000001"):
        with pytest.raises(Invalid) as err:
            parse_rma_number(bad)
        assert err.value.code == "return.bad_number"


def test_a_return_may_take_what_shipped_and_was_not_returned_yet() -> None:
    assert rma(10).status is RmaStatus.AUTHORISED
    with pytest.raises(Rejected) as err:
        rma(11)
    assert err.value.code == "return.exceeds_shipped"
    with pytest.raises(Rejected):
        rma(7, ShippedLine("SO-7", 1, "WATER", "WH1", 10, Money(250, "EUR"), 1003, returned=4))
    with pytest.raises(Invalid):
        rma(0)


def test_a_return_goes_authorised_received_inspected_and_can_only_be_cancelled_before_it_arrives() -> None:
    goods = [ReturnedGoods("WATER", 4, Condition.RESALEABLE)]
    received = receive(rma(), goods)
    assert (received.status, received.version, received.received) == (RmaStatus.RECEIVED, 2, tuple(goods))
    with pytest.raises(Conflict) as err:
        cancel(received)
    assert err.value.code == "return.invalid_transition"
    assert cancel(rma()).status is RmaStatus.CANCELLED
    with pytest.raises(Conflict):
        receive(cancel(rma()), goods)
    inspected = inspect(received, [UnitDisposition("WATER", 4, Disposition.RESTOCK)])
    assert inspected.status is RmaStatus.INSPECTED
    with pytest.raises(Conflict):
        inspect(inspected, inspected.dispositions)


def test_a_receipt_needs_something_counted() -> None:
    with pytest.raises(Invalid) as err:
        receive(rma(), [])
    assert err.value.code == "return.nothing_received"


def test_a_receipt_that_matches_the_authorisation_has_no_differences() -> None:
    goods = [ReturnedGoods("WATER", 3, Condition.RESALEABLE), ReturnedGoods("WATER", 1, Condition.RESALEABLE)]
    assert differences(rma(), goods) == ()


def test_more_less_another_item_and_another_condition_are_each_a_typed_difference() -> None:
    more = differences(rma(), [ReturnedGoods("WATER", 5, Condition.RESALEABLE)])
    assert [(d.kind, d.expected, d.received) for d in more] == [(DifferenceKind.MORE, 4, 5)]
    mixed = differences(
        rma(),
        [
            ReturnedGoods("WATER", 2, Condition.RESALEABLE),
            ReturnedGoods("WATER", 1, Condition.DAMAGED),
            ReturnedGoods("COLA", 2, Condition.RESALEABLE),
        ],
    )
    assert [(d.kind, d.sku, d.expected, d.received, d.condition) for d in mixed] == [
        (DifferenceKind.LESS, "WATER", 4, 3, None),
        (DifferenceKind.OTHER_ITEM, "COLA", 0, 2, None),
        (DifferenceKind.OTHER_CONDITION, "WATER", 0, 1, Condition.DAMAGED),
    ]


def test_each_difference_opens_an_exception_for_a_supervisor() -> None:
    received = receive(rma(), [ReturnedGoods("COLA", 2, Condition.RESALEABLE)])
    raised = difference_exceptions(received, warehouse="WH1", raised_by="recv1", now=NOW)
    assert [e.kind for e in raised] == [ExceptionKind.RECEIPT_VARIANCE] * 2
    assert {e.details["kind"] for e in raised} == {"less", "other_item"}
    assert all(e.subject == "return:RMA-WH1-000001" for e in raised)
    assert len({e.id for e in raised}) == 2


def test_inspection_must_dispose_of_exactly_the_units_received_lot_by_lot() -> None:
    received = receive(
        rma(),
        [
            ReturnedGoods("WATER", 3, Condition.RESALEABLE, lot="L1"),
            ReturnedGoods("WATER", 1, Condition.DAMAGED, lot="L2"),
        ],
    )
    split = [
        UnitDisposition("WATER", 2, Disposition.RESTOCK, lot="L1"),
        UnitDisposition("WATER", 1, Disposition.QUARANTINE, lot="L1"),
        UnitDisposition("WATER", 1, Disposition.SCRAP, lot="L2"),
    ]
    assert inspect(received, split).dispositions == tuple(split)
    for wrong in (split[:2], [*split, UnitDisposition("WATER", 1, Disposition.SCRAP, lot="L2")]):
        with pytest.raises(Rejected) as err:
            inspect(received, wrong)
        assert err.value.code == "return.disposition_mismatch"
    wrong_lot = [*split[:2], UnitDisposition("WATER", 1, Disposition.SCRAP, lot="L1")]
    with pytest.raises(Rejected):
        inspect(received, wrong_lot)
