"""Batch allocation: who is served first, and one shared pool so nothing is promised twice."""

from datetime import timedelta

from domain.allocation import allocate_batch, batch_rank
from domain.orders import OrderStatus
from tests.unit.domain.test_allocation import ITEMS, TODAY, cand, customer, order


def test_batch_serves_higher_tier_customers_first():
    customers = {"C1": customer("C1", tier=2), "C2": customer("C2", tier=1)}
    orders = [order("SO-1", age_days=5), order("SO-2", cid="C2")]
    results = allocate_batch(orders, customers=customers, items=ITEMS, candidates=[cand("R-01", 10)], today=TODAY)
    assert [(r.order_id, r.status) for r in results] == [
        ("SO-2", OrderStatus.ALLOCATED),
        ("SO-1", OrderStatus.BACKORDERED),
    ]


def test_batch_orders_by_requested_date_then_age_within_a_tier():
    c = customer()
    early, old, young = (
        order("E", requested=TODAY - timedelta(days=1)),
        order("O", age_days=3),
        order("Y", age_days=1),
    )
    assert sorted([young, old, early], key=lambda o: batch_rank(o, c)) == [early, old, young]


def test_order_priority_overrides_customer_tier():
    assert batch_rank(order(priority=0), customer(tier=3))[0] == 0


def test_batch_never_promises_the_same_stock_twice():
    customers = {"C1": customer()}
    orders = [order(f"SO-{i}", age_days=i) for i in range(3)]
    results = allocate_batch(orders, customers=customers, items=ITEMS, candidates=[cand("R-01", 25)], today=TODAY)
    assert sum(r.lines[0].allocated for r in results) == 25
    assert [(r.order_id, r.status) for r in results] == [
        ("SO-2", OrderStatus.ALLOCATED),
        ("SO-1", OrderStatus.ALLOCATED),
        ("SO-0", OrderStatus.PARTIALLY_ALLOCATED),
    ]


def test_stock_a_ship_complete_order_gave_back_goes_to_the_next_order():
    customers = {"C1": customer()}
    orders = [order("BIG", (1, "WATER", 30), ship_complete=True, age_days=9), order("SMALL")]
    results = allocate_batch(orders, customers=customers, items=ITEMS, candidates=[cand("R-01", 20)], today=TODAY)
    assert [(r.order_id, r.status) for r in results] == [
        ("BIG", OrderStatus.BACKORDERED),
        ("SMALL", OrderStatus.ALLOCATED),
    ]
