from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.counting import (
    CountAction,
    CountCandidate,
    CountDecision,
    CountLine,
    adjustment_for,
    due_counts,
    evaluate_count,
    next_count_date,
)
from domain.errors import DomainError
from domain.exception_queue import ExceptionKind

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)


def line(system: int, counted: int) -> CountLine:
    return CountLine("CNT-1", "W1", "A-01", "SKU-1", system_qty=system, counted_qty=counted)


def evaluate(
    system: int, counted: int, *, unit_cost: int = 250, limit: int = 1000, free: int | None = None
) -> CountDecision:
    return evaluate_count(
        line(system, counted),
        unit_cost=unit_cost,
        currency="EUR",
        auto_adjust_limit=limit,
        counted_by="cora",
        now=NOW,
        free_qty=free,
    )


def test_count_variance_is_valued_at_average_cost() -> None:
    decision = evaluate(10, 7)
    assert (decision.variance_qty, decision.variance_value) == (-3, -750)


def test_small_variance_under_the_threshold_is_adjusted_automatically() -> None:
    decision = evaluate(10, 7)
    assert decision.action is CountAction.AUTO_ADJUST
    assert decision.exception is None
    adjustment = adjustment_for(decision, approver=None, now=NOW)
    assert adjustment is not None and adjustment.qty_delta == -3 and adjustment.approved_by is None


def test_variance_at_or_above_the_threshold_needs_supervisor_approval() -> None:
    decision = evaluate(10, 14)
    assert decision.action is CountAction.NEEDS_APPROVAL
    assert decision.exception is not None and decision.exception.kind is ExceptionKind.COUNT_VARIANCE
    with pytest.raises(DomainError) as err:
        adjustment_for(decision, approver=None, now=NOW)
    assert err.value.code == "count.approval_required"
    approved = adjustment_for(decision, approver="sue", now=NOW)
    assert approved is not None and approved.qty_delta == 4 and approved.approved_by == "sue"


def test_a_small_loss_that_would_take_allocated_stock_needs_a_supervisor() -> None:
    decision = evaluate(10, 7, free=2)  # 8 of the 10 are promised to orders: only 2 may go on their own
    assert decision.action is CountAction.NEEDS_APPROVAL
    assert decision.exception is not None and decision.exception.kind is ExceptionKind.COUNT_VARIANCE


def test_a_small_loss_within_the_free_stock_still_books_itself() -> None:
    assert evaluate(10, 7, free=3).action is CountAction.AUTO_ADJUST


def test_a_gain_books_itself_even_when_everything_is_allocated() -> None:
    assert evaluate(10, 12, free=0).action is CountAction.AUTO_ADJUST


def test_a_count_matching_the_system_books_nothing() -> None:
    decision = evaluate(10, 10)
    assert decision.action is CountAction.NONE
    assert adjustment_for(decision, approver=None, now=NOW) is None


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        evaluate(10, -1)
    assert err.value.code == "count.invalid_quantity"


def test_a_items_are_due_again_sooner_than_c_items() -> None:
    last = date(2025, 1, 1)
    assert next_count_date(CountCandidate("A-01", "SKU-1", "A", last)) == date(2025, 1, 31)
    assert next_count_date(CountCandidate("A-02", "SKU-2", "C", last)) == date(2025, 6, 30)


def test_due_counts_list_never_counted_then_most_overdue_first() -> None:
    candidates = [
        CountCandidate("C-01", "SKU-3", "C", date(2025, 2, 1)),  # not due yet
        CountCandidate("A-01", "SKU-1", "A", date(2025, 1, 30)),  # 1 day overdue
        CountCandidate("A-02", "SKU-2", "A", date(2024, 12, 1)),  # long overdue
        CountCandidate("B-01", "SKU-4", "B", None),  # never counted
    ]
    assert [c.location for c in due_counts(candidates, today=TODAY)] == ["B-01", "A-02", "A-01"]
    assert len(due_counts(candidates, today=TODAY, limit=1)) == 1


def test_custom_intervals_override_the_defaults_and_unknown_classes_are_refused() -> None:
    candidate = CountCandidate("A-01", "SKU-1", "A", date(2025, 2, 22))
    assert due_counts([candidate], today=TODAY, intervals={"A": 7}) == (candidate,)
    with pytest.raises(DomainError) as err:
        due_counts([CountCandidate("X-01", "SKU-1", "X", TODAY)], today=TODAY)
    assert err.value.code == "count.unknown_class"
