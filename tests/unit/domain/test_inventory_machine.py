"""Random receipts, moves, adjustments, allocations, deallocations, picks and shipments keep stock true."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.allocation import Candidate, allocate_order
from domain.atp import compute_atp
from domain.customers import Customer, Money
from domain.errors import DomainError
from domain.items import Item
from domain.locations import LocationKind
from domain.orders import Allocation, OrderLine, OrderStatus, SalesOrder, allocation_outcome, deallocate_line
from domain.stock import (
    ADJUSTMENT_REASONS,
    Balance,
    Movement,
    Origin,
    StockKey,
    StockStatus,
    adjust,
    apply_many,
    check_ledger,
    move,
    pick,
    receive,
    ship,
)

TODAY = date(2025, 3, 10)
KINDS = {
    "P-01": LocationKind.PICK_FACE,
    "R-01": LocationKind.STORAGE,
    "R-02": LocationKind.STORAGE,
    "DOCK": LocationKind.DOCK,
    "STG": LocationKind.STAGING,
}
STORABLE = ["P-01", "R-01", "R-02", "DOCK"]
ITEMS = {"WATER": Item("WATER"), "YOG": Item("YOG", lot_tracked=True)}
LOTS = {"WATER": {"": None}, "YOG": {"L1": TODAY + timedelta(days=5), "L2": TODAY + timedelta(days=40)}}
BY = Origin("DOC", "machine")


class InventoryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.balances: dict[StockKey, Balance] = {}
        self.ledger: list[Movement] = []
        self.orders: dict[str, SalesOrder] = {}
        self.held: dict[str, list[Allocation]] = {}
        self.staged: dict[str, list[tuple[StockKey, int]]] = {}
        self.next_id = 0

    def book(self, movements):
        """Apply all or nothing; a refusal must leave every balance as it was."""
        before = dict(self.balances)
        try:
            self.balances = apply_many(self.balances, movements)
        except DomainError:
            assert self.balances == before
            return False
        self.ledger.extend(movements)
        return True

    def pick_key(self, index):
        keys = sorted(self.balances)
        return keys[index % len(keys)]

    @rule(
        location=st.sampled_from(STORABLE),
        item=st.sampled_from(sorted(ITEMS)),
        lot_i=st.integers(0, 1),
        qty=st.integers(1, 40),
    )
    def receive_stock(self, location, item, lot_i, qty):
        lots = sorted(LOTS[item])
        assert self.book([receive(StockKey(location, item, lots[lot_i % len(lots)]), qty, origin=BY)])

    @precondition(lambda self: self.balances)
    @rule(
        index=st.integers(0, 99),
        delta=st.one_of(st.integers(-30, -1), st.integers(1, 30)),
        reason=st.sampled_from(sorted(ADJUSTMENT_REASONS)),
    )
    def adjust_stock(self, index, delta, reason):
        key = self.pick_key(index)
        free = self.balances[key].free
        assert self.book([adjust(key, delta, reason=reason, origin=BY)]) == (delta >= -free)

    @precondition(lambda self: self.balances)
    @rule(
        index=st.integers(0, 99),
        qty=st.integers(1, 30),
        to=st.sampled_from(STORABLE),
        status=st.sampled_from(list(StockStatus)),
    )
    def move_stock(self, index, qty, to, status):
        key = self.pick_key(index)
        if (to, status) == (key.location, key.status):
            return
        free = self.balances[key].free
        assert self.book(move(key, qty, to_location=to, to_status=status, origin=BY)) == (qty <= free)

    @rule(
        item=st.sampled_from(sorted(ITEMS)),
        qty=st.integers(1, 50),
        ship_complete=st.booleans(),
        min_life=st.sampled_from([0, 10]),
    )
    def allocate_new_order(self, item, qty, ship_complete, min_life):
        self.next_id += 1
        oid = f"SO-{self.next_id}"
        order = SalesOrder(
            oid,
            "C1",
            "W1",
            OrderStatus.DRAFT,
            (OrderLine(1, item, qty, Money(1, "EUR")),),
            TODAY,
            datetime(2025, 3, 1, tzinfo=UTC),
            "EUR",
            ship_complete=ship_complete,
        )
        customer = Customer("C1", "Acme", 1, Money(10**9, "EUR"), "PL", min_remaining_shelf_life_days=min_life)
        candidates = [
            Candidate(k, b, KINDS[k.location], TODAY, LOTS[k.item][k.lot])
            for k, b in sorted(self.balances.items())
            if k.item == item
        ]
        result = allocate_order(order, customer, items=ITEMS, candidates=candidates, today=TODAY)
        assert self.book(list(result.movements(user="machine"))), "allocation oversold"
        assert result.lines[0].allocated + result.lines[0].backordered == qty
        if ship_complete:
            assert result.lines[0].allocated in (0, qty)
        if result.allocations:
            self.orders[oid] = replace(order, status=result.status)
            self.held[oid] = list(result.allocations)

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 99), qty=st.one_of(st.none(), st.integers(1, 50)))
    def deallocate_order_line(self, index, qty):
        oid = sorted(self.held)[index % len(self.held)]
        total = sum(a.qty for a in self.held[oid])
        qty = None if qty is None else min(qty, total)
        result = deallocate_line(self.orders[oid], 1, allocations=self.held[oid], origin=BY, qty=qty)
        assert self.book(list(result.movements))
        if result.remaining:
            self.held[oid] = list(result.remaining)
            self.orders[oid] = replace(self.orders[oid], status=allocation_outcome(self.orders[oid], result.remaining))
        else:
            del self.held[oid], self.orders[oid]

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 99))
    def pick_order(self, index):
        oid = sorted(self.held)[index % len(self.held)]
        movements = [m for a in self.held.pop(oid) for m in pick(a.key, a.qty, to_location="STG", origin=BY)]
        assert self.book(movements)
        self.staged[oid] = [(m.key, m.delta_on_hand) for m in movements if m.key.location == "STG"]
        del self.orders[oid]

    @precondition(lambda self: self.staged)
    @rule(index=st.integers(0, 99))
    def ship_order(self, index):
        oid = sorted(self.staged)[index % len(self.staged)]
        assert self.book([ship(key, qty, origin=BY) for key, qty in self.staged.pop(oid)])

    @invariant()
    def on_hand_never_negative_and_allocated_within_on_hand(self):
        for balance in self.balances.values():
            assert 0 <= balance.allocated <= balance.on_hand

    @invariant()
    def every_balance_equals_the_sum_of_its_movements(self):
        for key, balance in self.balances.items():
            check_ledger(key, balance, self.ledger)

    @invariant()
    def allocated_stock_matches_open_allocations(self):
        def allocated(staging):
            return sum(b.allocated for k, b in self.balances.items() if (k.location == "STG") == staging)

        assert allocated(False) == sum(a.qty for held in self.held.values() for a in held)
        assert allocated(True) == sum(qty for staged in self.staged.values() for _, qty in staged)

    @invariant()
    def atp_available_is_on_hand_minus_allocated_of_available_balances(self):
        for item in ITEMS:
            atp = compute_atp(item, "W1", balances=self.balances.items(), inbound=(), demand=(), today=TODAY)
            expected = sum(
                b.free for k, b in self.balances.items() if k.item == item and k.status is StockStatus.AVAILABLE
            )
            assert atp.available_now == expected


InventoryMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestInventoryMachine = InventoryMachine.TestCase
