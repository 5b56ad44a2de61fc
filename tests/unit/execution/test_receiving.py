from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import DomainError
from domain.exception_queue import ExceptionKind
from domain.receiving import (
    QUARANTINED,
    Disposition,
    ExpectedLine,
    ReceiptResult,
    ReceivedLine,
    VarianceKind,
    compare_receipt,
    receiving_prompt,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def compare(expected: list[ExpectedLine], received: list[ReceivedLine]) -> ReceiptResult:
    return compare_receipt(expected, received, receipt_id="GRN-1", warehouse="W1", received_by="rex", now=NOW)


def test_receipt_matching_the_asn_has_no_variances() -> None:
    result = compare(
        [ExpectedLine("SKU-1", 10, "L1")], [ReceivedLine("SKU-1", 6, "L1"), ReceivedLine("SKU-1", 4, "L1")]
    )
    assert result.clean
    assert result.dispositions == (Disposition("SKU-1", "L1", 10, "available"),)


def test_receiving_more_than_expected_is_an_over_variance_with_an_exception() -> None:
    result = compare([ExpectedLine("SKU-1", 10)], [ReceivedLine("SKU-1", 12)])
    (variance,) = result.variances
    assert (variance.kind, variance.qty, variance.reason) == (VarianceKind.OVER, 2, "over_expected")
    (exception,) = result.exceptions
    assert exception.kind is ExceptionKind.RECEIPT_VARIANCE
    assert exception.subject == "receipt:GRN-1"


def test_receiving_less_than_expected_is_a_short_variance() -> None:
    result = compare([ExpectedLine("SKU-1", 10, "L1")], [ReceivedLine("SKU-1", 7, "L1")])
    assert [(v.kind, v.qty) for v in result.variances] == [(VarianceKind.SHORT, 3)]


def test_variances_are_per_item_and_lot() -> None:
    result = compare(
        [ExpectedLine("SKU-1", 5, "L1"), ExpectedLine("SKU-1", 5, "L2")],
        [ReceivedLine("SKU-1", 10, "L1")],
    )
    assert sorted((v.kind, v.lot, v.qty) for v in result.variances) == [
        (VarianceKind.OVER, "L1", 5),
        (VarianceKind.SHORT, "L2", 5),
    ]


def test_an_asn_without_lots_is_compared_per_item_while_stock_keeps_its_lots() -> None:
    result = compare([ExpectedLine("SKU-1", 10)], [ReceivedLine("SKU-1", 4, "L1"), ReceivedLine("SKU-1", 6, "L2")])
    assert result.clean
    assert {d.lot for d in result.dispositions} == {"L1", "L2"}


def test_an_item_not_on_the_asn_is_an_over_variance() -> None:
    result = compare([], [ReceivedLine("SKU-9", 3)])
    assert [(v.kind, v.reason) for v in result.variances] == [(VarianceKind.OVER, "not_on_asn")]


def test_damaged_units_go_to_quarantine_with_their_reason() -> None:
    result = compare([ExpectedLine("SKU-1", 10)], [ReceivedLine("SKU-1", 8, damaged_qty=2, damage_reason="crushed")])
    assert [(v.kind, v.qty, v.reason) for v in result.variances] == [(VarianceKind.DAMAGED, 2, "crushed")]
    assert Disposition("SKU-1", None, 2, QUARANTINED) in result.dispositions
    assert Disposition("SKU-1", None, 8, "available") in result.dispositions
    assert len(result.exceptions) == 1


def test_damaged_units_without_a_reason_are_refused() -> None:
    with pytest.raises(DomainError) as err:
        compare([ExpectedLine("SKU-1", 10)], [ReceivedLine("SKU-1", 8, damaged_qty=2)])
    assert err.value.code == "receiving.damage_reason_required"


def test_a_received_line_with_nothing_on_it_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        compare([ExpectedLine("SKU-1", 10)], [ReceivedLine("SKU-1", 0)])
    assert err.value.code == "receiving.invalid_quantity"


def test_blind_receiving_hides_expected_quantities() -> None:
    expected = [ExpectedLine("SKU-1", 10, "L1")]
    assert receiving_prompt(expected, blind=True)[0].qty_expected is None
    assert receiving_prompt(expected, blind=False)[0].qty_expected == 10
