from datetime import UTC, date, datetime

import pytest

from domain.customers import Money
from domain.errors import DomainError, NotFound
from domain.orders import (
    TRANSITIONS,
    Allocation,
    OrderLine,
    OrderStatus,
    SalesOrder,
    allocation_outcome,
    can_transition,
    deallocate_line,
    open_order_value,
    transition,
)
from domain.stock import MovementReason, Origin, StockKey

S = OrderStatus
BY = Origin("SO-1", "rep", None)


def order(status=S.ALLOCATED, *lines):
    lines = lines or (OrderLine(1, "WATER", 10, Money(45, "EUR")), OrderLine(2, "COLA", 4, Money(99, "EUR")))
    return SalesOrder(
        "SO-1", "C1", "W1", status, tuple(lines), date(2025, 3, 12), datetime(2025, 3, 1, tzinfo=UTC), "EUR"
    )


def test_every_status_has_a_row_in_the_transition_table():
    assert set(TRANSITIONS) == set(OrderStatus)


def test_allowed_transition_returns_the_target():
    assert transition(S.DRAFT, S.ALLOCATED) is S.ALLOCATED
    assert transition(S.RELEASED, S.PICKING) is S.PICKING


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SHIPPED, S.CANCELLED),
        (S.CANCELLED, S.DRAFT),
        (S.PICKING, S.CANCELLED),
        (S.DRAFT, S.SHIPPED),
        (S.BACKORDERED, S.RELEASED),
        (S.ALLOCATED, S.ALLOCATED),
        (S.PICKED, S.CANCELLED),
        (S.PICKED, S.RELEASED),
    ],
)
def test_transition_outside_the_table_raises_invalid_transition(current, target):
    assert not can_transition(current, target)
    with pytest.raises(DomainError) as err:
        transition(current, target)
    assert err.value.code == "order.invalid_transition"
    assert err.value.details == {"current": str(current), "target": str(target)}


def test_a_picked_order_ships_or_keeps_its_remainder_open_after_a_split_shipment():
    assert TRANSITIONS[S.PICKED] == {S.SHIPPED, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED}


def test_shipped_and_cancelled_are_final():
    assert TRANSITIONS[S.SHIPPED] == TRANSITIONS[S.CANCELLED] == frozenset()


def test_order_total_is_sum_of_line_values():
    assert order().total == Money(10 * 45 + 4 * 99, "EUR")


def test_line_priced_in_another_currency_is_refused():
    with pytest.raises(DomainError) as err:
        order(S.DRAFT, OrderLine(1, "WATER", 1, Money(45, "USD")))
    assert err.value.code == "money.currency_mismatch"


def test_line_quantity_must_be_positive_whole():
    with pytest.raises(DomainError):
        OrderLine(1, "WATER", 0, Money(45, "EUR"))


def test_missing_line_is_not_found():
    with pytest.raises(DomainError) as err:
        order().line(9)
    assert err.value.code == "order.line_not_found" and isinstance(err.value, NotFound)


def test_open_order_value_skips_drafts_shipped_and_cancelled():
    orders = [order(S.ALLOCATED), order(S.DRAFT), order(S.SHIPPED), order(S.CANCELLED), order(S.ON_HOLD)]
    assert open_order_value(orders, currency="EUR") == Money(2 * (450 + 396), "EUR")


def alloc(line_no, location, qty):
    return Allocation(line_no, StockKey(location, "WATER" if line_no == 1 else "COLA"), qty, "fifo", "why")


def test_allocation_outcome_follows_lines_covered():
    o = order()
    assert allocation_outcome(o, [alloc(1, "A", 10), alloc(2, "B", 4)]) is S.ALLOCATED
    assert allocation_outcome(o, [alloc(1, "A", 10)]) is S.PARTIALLY_ALLOCATED
    assert allocation_outcome(o, []) is S.BACKORDERED


def test_cancelling_a_line_releases_all_its_allocations():
    held = [alloc(1, "A", 6), alloc(1, "B", 4), alloc(2, "C", 4)]
    result = deallocate_line(order(), 1, allocations=held, origin=BY)
    assert [(m.key.location, m.delta_allocated, m.delta_on_hand) for m in result.movements] == [
        ("B", -4, 0),
        ("A", -6, 0),
    ]
    assert all(m.reason is MovementReason.DEALLOCATE for m in result.movements)
    assert result.remaining == (alloc(2, "C", 4),)


def test_reducing_a_line_releases_newest_allocations_first():
    held = [alloc(1, "A", 6), alloc(1, "B", 4)]
    result = deallocate_line(order(), 1, allocations=held, origin=BY, qty=5)
    assert result.released == (alloc(1, "B", 4), alloc(1, "A", 1))
    assert result.remaining == (alloc(1, "A", 5),)


def test_releasing_more_than_the_line_holds_is_refused():
    with pytest.raises(DomainError) as err:
        deallocate_line(order(), 1, allocations=[alloc(1, "A", 2)], origin=BY, qty=3)
    assert err.value.code == "allocation.release_exceeds"


def test_released_orders_cannot_be_deallocated():
    with pytest.raises(DomainError) as err:
        deallocate_line(order(S.RELEASED), 1, allocations=[alloc(1, "A", 2)], origin=BY)
    assert err.value.code == "order.not_deallocatable"
