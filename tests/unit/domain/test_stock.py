import pytest

from domain.errors import DomainError
from domain.stock import (
    Balance,
    Movement,
    MovementReason,
    Origin,
    StockKey,
    StockStatus,
    adjust,
    allocate,
    apply,
    apply_many,
    book_in,
    check_ledger,
    deallocate,
    move,
    pick,
    receive,
    replay,
    ship,
)

BY = Origin("DOC-1", "ann", "hh-7")
KEY = StockKey("A-01", "WATER")


def test_receipt_raises_on_hand_and_version():
    assert apply(Balance(), receive(KEY, 10, origin=BY)) == Balance(on_hand=10, allocated=0, version=1)


def test_on_hand_can_never_go_negative():
    with pytest.raises(DomainError) as err:
        apply(Balance(on_hand=3), adjust(KEY, -4, reason=MovementReason.ADJUST_LOST, origin=BY))
    assert err.value.code == "stock.insufficient"
    assert err.value.details["location"] == "A-01"


def test_allocating_more_than_free_is_refused():
    with pytest.raises(DomainError) as err:
        apply(Balance(on_hand=10, allocated=8), allocate(KEY, 3, origin=BY))
    assert err.value.code == "stock.insufficient"


def test_removing_allocated_stock_by_adjustment_is_refused():
    with pytest.raises(DomainError) as err:
        apply(Balance(on_hand=10, allocated=8), adjust(KEY, -3, reason=MovementReason.ADJUST_COUNT, origin=BY))
    assert err.value.code == "stock.insufficient"


def test_deallocating_more_than_allocated_is_refused():
    with pytest.raises(DomainError) as err:
        apply(Balance(on_hand=10, allocated=2), deallocate(KEY, 3, origin=BY))
    assert err.value.code == "stock.over_deallocated"


def test_adjustment_needs_an_adjustment_reason_code():
    with pytest.raises(DomainError) as err:
        adjust(KEY, 1, reason=MovementReason.RECEIPT, origin=BY)
    assert err.value.code == "stock.invalid_adjustment_reason"


def test_adjustment_keeps_its_reason_code_and_origin():
    movement = adjust(KEY, -2, reason=MovementReason.ADJUST_SCRAP, origin=BY)
    assert (movement.reason, movement.origin.user, movement.origin.device) == ("adjust.scrap", "ann", "hh-7")


def test_empty_or_fractional_movements_are_refused():
    with pytest.raises(DomainError):
        Movement(KEY, 0, 0, MovementReason.MOVE, BY)
    with pytest.raises(DomainError):
        Movement(KEY, 1.5, 0, MovementReason.MOVE, BY)  # type: ignore[arg-type]


def test_move_returns_an_out_and_an_in_of_equal_quantity():
    out, into = move(KEY, 4, to_location="B-02", origin=BY)
    assert (out.key, out.delta_on_hand) == (KEY, -4)
    assert (into.key, into.delta_on_hand) == (StockKey("B-02", "WATER"), 4)
    assert out.reason == into.reason == MovementReason.MOVE


def test_status_change_moves_stock_to_quarantine_in_place():
    _out, into = move(KEY, 2, to_status=StockStatus.QUARANTINED, origin=BY)
    assert into.key == StockKey("A-01", "WATER", status=StockStatus.QUARANTINED)
    assert into.reason == MovementReason.STATUS_CHANGE


def test_move_to_the_same_key_is_refused():
    with pytest.raises(DomainError) as err:
        move(KEY, 1, to_location="A-01", origin=BY)
    assert err.value.code == "stock.move_to_same"


def test_allocated_stock_cannot_be_moved_away():
    balances = {KEY: Balance(on_hand=5, allocated=5)}
    with pytest.raises(DomainError):
        apply_many(balances, move(KEY, 1, to_location="B-02", origin=BY))


def test_apply_many_is_all_or_nothing_and_leaves_input_alone():
    balances = {KEY: Balance(on_hand=5)}
    result = apply_many(balances, move(KEY, 5, to_location="B-02", origin=BY))
    assert result[StockKey("B-02", "WATER")].on_hand == 5
    assert balances == {KEY: Balance(on_hand=5)}


def test_pick_carries_allocation_to_staging_and_ship_removes_it():
    balances = apply_many({}, [receive(KEY, 10, origin=BY), allocate(KEY, 4, origin=BY)])
    balances = apply_many(balances, pick(KEY, 4, to_location="STAGE", origin=BY))
    staged = StockKey("STAGE", "WATER")
    assert balances[KEY].on_hand == 6 and balances[KEY].allocated == 0
    assert balances[staged].on_hand == 4 and balances[staged].allocated == 4
    balances = apply_many(balances, [ship(staged, 4, origin=BY)])
    assert balances[staged].on_hand == 0 and balances[staged].allocated == 0


def test_returns_and_transfers_book_stock_in_and_transfers_ship_it_out_under_their_own_reasons():
    arrived = book_in(KEY, 3, reason=MovementReason.TRANSFER_IN, origin=BY)
    returned = book_in(KEY, 2, reason=MovementReason.RETURN, origin=BY)
    balances = apply_many({}, [arrived, returned, allocate(KEY, 5, origin=BY)])
    out = ship(KEY, 5, origin=BY, reason=MovementReason.TRANSFER_OUT)
    assert apply_many(balances, [out])[KEY] == Balance(on_hand=0, allocated=0, version=4)
    assert (arrived.reason, out.reason) == (MovementReason.TRANSFER_IN, MovementReason.TRANSFER_OUT)
    with pytest.raises(DomainError) as arrival:
        book_in(KEY, 1, reason=MovementReason.RECEIPT, origin=BY)
    with pytest.raises(DomainError) as departure:
        ship(KEY, 1, origin=BY, reason=MovementReason.PICK)
    assert (arrival.value.code, departure.value.code) == (
        "stock.invalid_arrival_reason",
        "stock.invalid_departure_reason",
    )


def test_replay_of_the_ledger_gives_the_balance():
    ledger = [receive(KEY, 10, origin=BY), allocate(KEY, 3, origin=BY), deallocate(KEY, 1, origin=BY)]
    assert replay(ledger) == Balance(on_hand=10, allocated=2, version=3)


def test_ledger_check_passes_when_balance_equals_sum_of_movements():
    ledger = [receive(KEY, 10, origin=BY), *move(KEY, 3, to_location="B-02", origin=BY)]
    check_ledger(KEY, Balance(on_hand=7, version=9), ledger)


def test_ledger_check_fails_when_balance_drifts_from_movements():
    with pytest.raises(DomainError) as err:
        check_ledger(KEY, Balance(on_hand=11), [receive(KEY, 10, origin=BY)])
    assert err.value.code == "stock.ledger_mismatch"


def test_stock_keys_sort_in_one_fixed_order_for_locking():
    keys = [StockKey("B", "X"), StockKey("A", "Y", "L2"), StockKey("A", "Y", "L1")]
    assert sorted(keys) == [StockKey("A", "Y", "L1"), StockKey("A", "Y", "L2"), StockKey("B", "X")]
