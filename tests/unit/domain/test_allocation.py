from datetime import UTC, date, datetime, timedelta

import pytest

from domain.allocation import Candidate, allocate_order
from domain.customers import Customer, Money
from domain.errors import DomainError
from domain.items import Item
from domain.locations import LocationKind
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder
from domain.stock import Balance, MovementReason, StockKey, StockStatus

TODAY = date(2025, 3, 10)
PICK, STORE = LocationKind.PICK_FACE, LocationKind.STORAGE
ITEMS = {
    "WATER": Item("WATER"),
    "YOGURT": Item("YOGURT", lot_tracked=True, shelf_life_days=30),
    "COLA": Item("COLA", substitutes=("COLA-ZERO",)),
    "COLA-ZERO": Item("COLA-ZERO"),
}


def customer(cid="C1", tier=2, *, min_life=0, subs=False):
    return Customer(cid, f"Cust {cid}", tier, Money(10**9, "EUR"), "PL", min_life, subs)


def order(
    oid="SO-1",
    *lines,
    cid="C1",
    ship_complete=False,
    status=OrderStatus.DRAFT,
    requested=TODAY,
    age_days=0,
    priority=None,
):
    lines = lines or ((1, "WATER", 10),)
    return SalesOrder(
        oid,
        cid,
        "W1",
        status,
        tuple(OrderLine(n, s, q, Money(100, "EUR")) for n, s, q in lines),
        requested,
        datetime(2025, 3, 1, tzinfo=UTC) - timedelta(days=age_days),
        "EUR",
        ship_complete=ship_complete,
        priority=priority,
    )


def cand(
    location,
    qty,
    *,
    item="WATER",
    kind=STORE,
    lot="",
    expires=None,
    received=TODAY,
    allocated=0,
    status=StockStatus.AVAILABLE,
    seq=0,
):
    return Candidate(StockKey(location, item, lot, status), Balance(qty, allocated), kind, received, expires, seq)


def run(o, candidates, cust=None, **kw):
    return allocate_order(o, cust or customer(), items=ITEMS, candidates=candidates, today=TODAY, **kw)


def taken(result):
    return [(a.key.location, a.qty, a.rule) for a in result.allocations]


def test_single_source_allocates_and_says_it_was_the_only_source():
    result = run(order(), [cand("R-01", 50)])
    assert taken(result) == [("R-01", 10, "only_source")]
    assert result.status is OrderStatus.ALLOCATED


def test_fefo_takes_the_lot_that_expires_first():
    cands = [
        cand("R-01", 20, item="YOGURT", lot="L2", expires=TODAY + timedelta(days=20)),
        cand("R-02", 20, item="YOGURT", lot="L1", expires=TODAY + timedelta(days=9)),
    ]
    result = run(order("SO-1", (1, "YOGURT", 5)), cands)
    assert taken(result) == [("R-02", 5, "fefo")]
    assert "lot L1 expires 2025-03-19" in result.allocations[0].reason


def test_fefo_beats_pick_face_preference():
    cands = [
        cand("P-01", 20, item="YOGURT", kind=PICK, lot="L2", expires=TODAY + timedelta(days=20)),
        cand("R-01", 20, item="YOGURT", lot="L1", expires=TODAY + timedelta(days=9)),
    ]
    assert taken(run(order("SO-1", (1, "YOGURT", 5)), cands)) == [("R-01", 5, "fefo")]


def test_fefo_skips_lots_below_customer_min_shelf_life():
    cands = [
        cand("R-01", 20, item="YOGURT", lot="SHORT", expires=TODAY + timedelta(days=5)),
        cand("R-02", 20, item="YOGURT", lot="LONG", expires=TODAY + timedelta(days=25)),
    ]
    result = run(order("SO-1", (1, "YOGURT", 5)), cands, customer(min_life=10))
    assert taken(result) == [("R-02", 5, "only_source")]
    (skip,) = result.lines[0].skipped
    assert (skip.key.lot, skip.rule) == ("SHORT", "min_remaining_shelf_life")
    assert "5 days left" in skip.reason


def test_expired_lots_are_never_allocated():
    cands = [cand("R-01", 20, item="YOGURT", lot="OLD", expires=TODAY)]
    result = run(order("SO-1", (1, "YOGURT", 5)), cands)
    assert result.allocations == ()
    assert result.lines[0].skipped[0].rule == "not_expired"


def test_fifo_takes_the_oldest_receipt_for_items_without_lots():
    cands = [
        cand("R-01", 20, received=TODAY - timedelta(days=1)),
        cand("R-02", 20, received=TODAY - timedelta(days=9)),
    ]
    result = run(order(), cands)
    assert taken(result) == [("R-02", 10, "fifo")]


def test_pick_face_is_preferred_over_reserve_storage():
    cands = [cand("R-01", 50, received=TODAY - timedelta(days=9)), cand("P-01", 50, kind=PICK)]
    assert taken(run(order(), cands)) == [("P-01", 10, "pick_face_first")]


def test_pick_face_is_drained_before_reserve_tops_up_the_line():
    cands = [cand("R-01", 50), cand("P-01", 4, kind=PICK)]
    assert taken(run(order(), cands)) == [("P-01", 4, "pick_face_first"), ("R-01", 6, "only_source")]


def test_a_single_balance_covering_the_line_beats_an_older_partial_one():
    cands = [cand("R-01", 6, received=TODAY - timedelta(days=9)), cand("R-02", 30)]
    result = run(order(), cands)
    assert taken(result) == [("R-02", 10, "fewest_locations")]
    assert "covers all 10 from one location" in result.allocations[0].reason


def test_without_a_covering_balance_the_biggest_goes_first():
    cands = [cand("R-01", 3), cand("R-02", 6), cand("R-03", 2)]
    assert [a[:2] for a in taken(run(order(), cands))] == [("R-02", 6), ("R-01", 3), ("R-03", 1)]


def test_only_available_status_is_allocated():
    cands = [cand("Q-01", 50, status=StockStatus.QUARANTINED), cand("D-01", 50, status=StockStatus.DAMAGED)]
    result = run(order(), cands)
    assert result.allocations == () and result.status is OrderStatus.BACKORDERED
    assert {s.rule for s in result.lines[0].skipped} == {"available_status_only"}


def test_stock_on_the_dock_or_in_staging_is_not_allocated():
    cands = [cand("DOCK-1", 50, kind=LocationKind.DOCK), cand("STG-1", 50, kind=LocationKind.STAGING)]
    assert run(order(), cands).lines[0].skipped[0].rule == "pickable_location"


def test_never_allocates_more_than_on_hand_minus_allocated():
    result = run(order(), [cand("R-01", 12, allocated=8)])
    assert taken(result) == [("R-01", 4, "only_source")]
    assert result.lines[0].backordered == 6


def test_short_line_is_partially_allocated_and_remainder_backordered():
    result = run(order("SO-1", (1, "WATER", 10), (2, "COLA", 5)), [cand("R-01", 7)])
    line = result.lines[0]
    assert (line.allocated, line.backordered) == (7, 3)
    assert result.lines[1].backordered == 5
    assert result.status is OrderStatus.PARTIALLY_ALLOCATED
    assert "short by 3" in line.note


def test_nothing_available_backorders_the_whole_order():
    assert run(order(), []).status is OrderStatus.BACKORDERED


def test_ship_complete_order_allocates_nothing_when_a_line_is_short_and_says_why():
    o = order("SO-1", (1, "WATER", 10), (2, "COLA", 5), ship_complete=True)
    result = run(o, [cand("R-01", 50), cand("R-02", 2, item="COLA")])
    assert result.allocations == ()
    assert result.status is OrderStatus.BACKORDERED
    assert "ship complete: line 2 short by 3" in result.reason
    assert [line.backordered for line in result.lines] == [10, 5]


def test_ship_complete_order_that_fits_is_fully_allocated():
    o = order("SO-1", (1, "WATER", 10), ship_complete=True)
    assert run(o, [cand("R-01", 50)]).status is OrderStatus.ALLOCATED


def test_substitute_fills_the_shortfall_when_item_and_customer_allow_it():
    cands = [cand("R-01", 3, item="COLA"), cand("R-02", 50, item="COLA-ZERO")]
    result = run(order("SO-1", (1, "COLA", 5)), cands, customer(subs=True))
    assert [(a.key.item, a.qty, a.rule) for a in result.allocations] == [
        ("COLA", 3, "only_source"),
        ("COLA-ZERO", 2, "substitution"),
    ]
    assert result.status is OrderStatus.ALLOCATED
    assert "COLA short by 2; COLA-ZERO is an allowed substitute" in result.allocations[1].reason


def test_no_substitution_when_the_customer_does_not_accept_it():
    cands = [cand("R-01", 3, item="COLA"), cand("R-02", 50, item="COLA-ZERO")]
    result = run(order("SO-1", (1, "COLA", 5)), cands, customer(subs=False))
    assert result.lines[0].backordered == 2
    assert "does not accept substitutes" in result.lines[0].note


def test_no_substitution_when_the_item_lists_no_substitutes():
    cands = [cand("R-02", 50, item="COLA-ZERO")]
    result = run(order("SO-1", (1, "WATER", 5)), cands, customer(subs=True))
    assert result.allocations == ()


def test_refilling_a_backorder_only_allocates_the_open_quantity():
    o = order(status=OrderStatus.PARTIALLY_ALLOCATED)
    held = [Allocation(1, StockKey("R-09", "WATER"), 6, "fifo", "earlier run")]
    result = run(o, [cand("R-01", 50)], existing=held)
    assert taken(result) == [("R-01", 4, "only_source")]
    assert result.lines[0].allocated == 10 and result.status is OrderStatus.ALLOCATED


def test_allocation_produces_allocate_movements_for_the_order():
    (movement,) = run(order(), [cand("R-01", 50)]).movements(user="system", device="wave-1")
    assert (movement.delta_allocated, movement.delta_on_hand) == (10, 0)
    assert movement.reason is MovementReason.ALLOCATE
    assert movement.origin.source_document == "SO-1"


@pytest.mark.parametrize("status", [OrderStatus.ALLOCATED, OrderStatus.ON_HOLD, OrderStatus.RELEASED])
def test_orders_outside_allocatable_states_are_refused(status):
    with pytest.raises(DomainError) as err:
        run(order(status=status), [cand("R-01", 50)])
    assert err.value.code == "order.not_allocatable"


def test_unknown_item_is_refused():
    with pytest.raises(DomainError) as err:
        run(order("SO-1", (1, "GIN", 1)), [])
    assert err.value.code == "item.unknown"


def test_the_same_balance_listed_twice_is_refused():
    with pytest.raises(DomainError) as err:
        run(order(), [cand("R-01", 5), cand("R-01", 5)])
    assert err.value.code == "allocation.duplicate_candidate"


def test_pick_path_breaks_remaining_ties():
    cands = [cand("R-02", 50, seq=20), cand("R-01", 50, seq=10)]
    assert taken(run(order(), cands)) == [("R-01", 10, "pick_path")]
