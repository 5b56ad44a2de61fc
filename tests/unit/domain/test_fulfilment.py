"""Line quantities always add up; ship-confirm ships what is picked and keeps the rest open."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import fulfilment as f
from domain.customers import Customer, Money
from domain.errors import Broken, Conflict, DomainError, Invalid
from domain.fulfilment import Backorder, LineQuantities
from domain.orders import OrderLine, OrderStatus, SalesOrder, can_transition

EUR = Money(250, "EUR")


def sales_order(order_id: str = "SO-1", *, ship_complete: bool = False, **kw: object) -> SalesOrder:
    lines = (OrderLine(1, "WATER", 5, EUR), OrderLine(2, "COLA", 3, EUR))
    base = SalesOrder(
        order_id, "C1", "WH1", OrderStatus.PICKED, lines, date(2026, 3, 12), datetime(2026, 3, 1, tzinfo=UTC), "EUR"
    )
    return replace(base, ship_complete=ship_complete, **kw)  # type: ignore[arg-type]


def picked(ordered: int, qty: int) -> LineQuantities:
    return f.pick(f.allocate(LineQuantities.new(ordered), qty), qty)


def test_a_new_line_waits_for_stock_with_everything_backordered() -> None:
    line = LineQuantities.new(5)
    assert (line.backordered, line.open, line.remaining, line.closed) == (5, 0, 5, False)


def test_quantities_that_do_not_add_up_are_refused_as_broken() -> None:
    with pytest.raises(Broken) as err:
        LineQuantities(ordered=5, backordered=0, shipped=4)
    assert err.value.code == "line.quantities_off"
    with pytest.raises(Broken):
        LineQuantities(ordered=5, backordered=6, shipped=-1)


def test_allocating_more_than_is_backordered_is_a_conflict() -> None:
    with pytest.raises(Conflict) as err:
        f.allocate(LineQuantities.new(3), 4)
    assert err.value.code == "line.over_allocated"
    with pytest.raises(Invalid):
        f.allocate(LineQuantities.new(3), 0)


def test_picking_more_than_is_allocated_is_a_conflict() -> None:
    with pytest.raises(Conflict) as err:
        f.pick(f.allocate(LineQuantities.new(3), 2), 3)
    assert err.value.code == "line.over_picked"


def test_a_short_pick_gives_the_units_back_to_the_backorder() -> None:
    line = f.deallocate(f.allocate(LineQuantities.new(5), 5), 1)
    assert (line.allocated, line.backordered) == (4, 1)


def test_shipping_ships_what_is_picked_and_keeps_the_missing_unit_backordered() -> None:
    line = f.ship(picked(5, 4))
    assert (line.ordered, line.shipped, line.backordered, line.cancelled, line.open) == (5, 4, 1, 0, 0)
    assert not line.closed


def test_cancelling_the_remainder_keeps_picked_units_and_releases_the_allocated_ones() -> None:
    line = f.pick(f.allocate(LineQuantities.new(10), 6), 2)  # 4 allocated, 2 picked, 4 backordered
    after, released = f.cancel_remainder(line)
    assert released == 4
    assert (after.picked, after.cancelled, after.backordered, after.allocated) == (2, 8, 0, 0)


def test_open_value_counts_only_what_is_neither_shipped_nor_cancelled() -> None:
    line = f.ship(picked(5, 2))
    line, _ = f.cancel_remainder(f.allocate(line, 1))
    assert f.open_value(line, EUR) == Money(0, "EUR")
    assert f.open_value(f.ship(picked(5, 2)), EUR) == Money(750, "EUR")


def test_ship_confirm_of_a_partial_order_leaves_it_backordered_not_shipped() -> None:
    lines = {1: picked(5, 4), 2: picked(3, 3)}
    decision = f.ship_order(sales_order(), lines)
    assert decision.shipped == {1: 4, 2: 3}
    assert decision.lines[1].backordered == 1 and decision.lines[2].closed
    assert decision.status is OrderStatus.BACKORDERED
    assert can_transition(OrderStatus.PICKED, decision.status)


def test_ship_confirm_of_everything_ships_the_order() -> None:
    decision = f.ship_order(sales_order(), {1: picked(5, 5), 2: picked(3, 3)})
    assert decision.status is OrderStatus.SHIPPED


def test_an_order_with_allocated_stock_left_stays_allocated_after_a_split_shipment() -> None:
    lines = {1: f.allocate(picked(5, 2), 3), 2: picked(3, 3)}
    assert f.ship_order(sales_order(), lines).status is OrderStatus.ALLOCATED
    lines = {1: f.allocate(picked(5, 2), 1), 2: picked(3, 3)}
    assert f.ship_order(sales_order(), lines).status is OrderStatus.PARTIALLY_ALLOCATED


def test_a_ship_complete_order_is_held_until_every_line_can_ship() -> None:
    held = sales_order(ship_complete=True)
    lines = {1: picked(5, 4), 2: picked(3, 3)}
    with pytest.raises(Conflict) as err:
        f.ship_order(held, lines)
    assert err.value.code == "order.ship_complete"
    assert not f.can_release({1: f.allocate(LineQuantities.new(5), 4)}, ship_complete=True)
    assert f.can_release({1: f.allocate(LineQuantities.new(5), 4)}, ship_complete=False)
    assert f.ship_order(held, {1: picked(5, 5), 2: picked(3, 3)}).status is OrderStatus.SHIPPED


def test_nothing_picked_is_nothing_to_ship() -> None:
    with pytest.raises(Conflict) as err:
        f.ship_order(sales_order(), {1: f.allocate(LineQuantities.new(5), 5)})
    assert err.value.code == "shipping.nothing_to_ship"
    assert not f.can_release({1: LineQuantities.new(5)}, ship_complete=False)


def test_a_fully_cancelled_order_is_cancelled_not_shipped() -> None:
    line, _ = f.cancel_remainder(LineQuantities.new(5))
    assert f.status_of({1: line}) is OrderStatus.CANCELLED


def customer(cid: str, tier: int) -> Customer:
    return Customer(cid, cid, tier, Money(10**6, "EUR"), "PL")


def test_arriving_stock_goes_to_backorders_by_priority_then_date_then_age() -> None:
    early = sales_order("SO-EARLY", requested_date=date(2026, 3, 1), customer_id="C2")
    late = sales_order("SO-LATE", requested_date=date(2026, 3, 20), customer_id="C2")
    urgent = sales_order("SO-URGENT", requested_date=date(2026, 3, 30), customer_id="C2", priority=1)
    waiting = [
        Backorder(late, customer("C2", 3), 1, "WATER", 4),
        Backorder(urgent, customer("C2", 3), 1, "WATER", 2),
        Backorder(early, customer("C2", 3), 1, "WATER", 3),
        Backorder(early, customer("C2", 3), 2, "COLA", 9),
    ]
    shares = f.share_arrival("WATER", 6, waiting)
    assert [(b.order.id, qty) for b, qty in shares] == [("SO-URGENT", 2), ("SO-EARLY", 3), ("SO-LATE", 1)]
    assert [(b.order.id, q) for b, q in f.share_arrival("WATER", 50, waiting)][-1] == ("SO-LATE", 4)


# --- property: any sequence of operations keeps every line adding up ------------------------------

OPS = st.lists(
    st.tuples(st.sampled_from(["allocate", "deallocate", "pick", "ship", "cancel"]), st.integers(1, 12)),
    max_size=30,
)


def _step(line: LineQuantities, op: str, qty: int) -> LineQuantities:
    if op == "ship":
        return f.ship(line)
    if op == "cancel":
        return f.cancel_remainder(line)[0]
    return {"allocate": f.allocate, "deallocate": f.deallocate, "pick": f.pick}[op](line, qty)


@given(ordered=st.integers(1, 20), ops=OPS)
def test_after_any_sequence_of_operations_every_line_adds_up_and_nothing_is_negative(
    ordered: int, ops: list[tuple[str, int]]
) -> None:
    line = LineQuantities.new(ordered)
    shipped = 0
    for op, qty in ops:
        try:
            line = _step(line, op, qty)
        except Conflict:
            continue  # refused as asked: the line is unchanged
        assert line.shipped >= shipped, "a shipment is never undone"
        shipped = line.shipped
        parts = (line.shipped, line.backordered, line.cancelled, line.allocated, line.picked)
        assert line.ordered == ordered == sum(parts)
        assert min(parts) >= 0


@given(
    ops=st.lists(
        st.tuples(st.sampled_from([1, 2]), st.sampled_from(["allocate", "pick", "ship"]), st.integers(1, 6)),
        max_size=25,
    )
)
def test_split_shipments_of_an_order_never_lose_a_unit(ops: list[tuple[int, str, int]]) -> None:
    order = sales_order()
    lines = {1: LineQuantities.new(5), 2: LineQuantities.new(3)}
    shipments: list[dict[int, int]] = []
    for line_no, op, qty in ops:
        try:
            if op == "ship":
                decision = f.ship_order(order, lines)
                lines = dict(decision.lines)
                shipments.append(dict(decision.shipped))
            else:
                lines[line_no] = _step(lines[line_no], op, qty)
        except DomainError:
            continue
    for no, line in lines.items():
        assert line.shipped == sum(s.get(no, 0) for s in shipments)
        assert line.ordered == line.shipped + line.backordered + line.cancelled + line.open
    # no cancelling here: the order is shipped exactly when every unit of every line has gone
    assert (f.status_of(lines) is OrderStatus.SHIPPED) == all(q.shipped == q.ordered for q in lines.values())
