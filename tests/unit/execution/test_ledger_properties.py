"""Ledger invariants under random sequences of stock movements."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.balances import account_balance, trial_balance
from domain.errors import DomainError
from domain.ledger import (
    CHART,
    INVENTORY,
    EntryHeader,
    ItemValuation,
    JournalBuilder,
    JournalEntry,
    Posting,
    SourceDocument,
    post_count_adjustment,
    post_receipt,
    post_shipment,
    reverse,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ITEMS = ("SKU-1", "SKU-2")
WAREHOUSES = ("W1", "W2")

receipt = st.tuples(st.just("receipt"), st.integers(1, 500), st.integers(0, 100_000))
shipment = st.tuples(st.just("shipment"), st.integers(1, 500), st.just(0))
count = st.tuples(st.just("count"), st.integers(-300, 300), st.integers(0, 100_000))
operation = st.tuples(st.sampled_from(ITEMS), st.sampled_from(WAREHOUSES), st.one_of(receipt, shipment, count))


def header(n: int) -> EntryHeader:
    return EntryHeader(f"JE-{n}", SourceDocument("test", str(n)), "prop", NOW)


def apply(val: ItemValuation, kind: str, qty: int, cost: int, n: int) -> Posting:
    if kind == "receipt":
        return post_receipt(val, qty=qty, unit_cost=cost, header=header(n))
    if kind == "shipment":
        return post_shipment(val, qty=qty, header=header(n))
    return post_count_adjustment(val, qty_delta=qty, header=header(n), unit_cost=cost)


def run(
    ops: list[tuple[str, str, tuple[str, int, int]]],
) -> tuple[dict[tuple[str, str], ItemValuation], list[JournalEntry]]:
    vals = {(i, w): ItemValuation(i, w, "EUR") for i in ITEMS for w in WAREHOUSES}
    entries: list[JournalEntry] = []
    for n, (item, wh, (kind, qty, cost)) in enumerate(ops):
        before = vals[(item, wh)]
        try:
            posting = apply(before, kind, qty, cost, n)
        except DomainError as err:
            # the only refusal possible here is taking more than is on hand
            assert err.code == "stock.insufficient"
            assert qty > before.qty or -qty > before.qty
            continue
        vals[(item, wh)] = posting.valuation
        if posting.entry is not None:
            entries.append(posting.entry)
    return vals, entries


@settings(deadline=None, max_examples=300)
@given(st.lists(operation, max_size=60))
def test_inventory_account_equals_on_hand_times_average_cost_per_warehouse(ops: list) -> None:
    vals, entries = run(ops)
    for wh in WAREHOUSES:
        held = [v for (_, w), v in vals.items() if w == wh]
        valuation = sum((v.qty * v.average_cost for v in held), Fraction(0))
        assert account_balance(entries, INVENTORY, currency="EUR", warehouse=wh) == valuation
        assert all(v.qty >= 0 and v.value >= 0 for v in held)


@settings(deadline=None, max_examples=300)
@given(st.lists(operation, max_size=60))
def test_every_posted_entry_balances_and_so_does_the_trial_balance(ops: list) -> None:
    _, entries = run(ops)
    for entry in entries:
        assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    assert sum(row.balance for row in trial_balance(entries)) == 0


@settings(deadline=None, max_examples=200)
@given(st.lists(operation, min_size=1, max_size=40))
def test_reversing_every_entry_nets_every_account_to_zero(ops: list) -> None:
    _, entries = run(ops)
    undo = [reverse(e, entry_id=f"R-{e.id}", user="sue", posted_at=NOW) for e in entries]
    assert all(row.balance == 0 for row in trial_balance(entries + undo))


@settings(deadline=None, max_examples=200)
@given(st.integers(0, 10_000), st.lists(st.tuples(st.booleans(), st.integers(1, 50)), max_size=50))
def test_a_single_purchase_cost_never_drifts_through_issues_and_gains(cost: int, moves: list) -> None:
    val = ItemValuation("SKU-1", "W1", "EUR")
    for n, (inbound, qty) in enumerate(moves):
        if inbound:
            val = post_receipt(val, qty=qty, unit_cost=cost, header=header(n)).valuation
        elif qty <= val.qty:
            val = post_shipment(val, qty=qty, header=header(n)).valuation
        assert val.value == val.qty * cost


@given(
    st.lists(st.tuples(st.sampled_from(sorted(CHART)), st.integers(1, 10**9)), min_size=1, max_size=8),
    st.integers(-5, 5).filter(bool),
)
def test_an_entry_off_by_any_amount_is_refused(debits: list[tuple[str, int]], error: int) -> None:
    builder = JournalBuilder(header(0), "EUR")
    for code, amount in debits:
        builder = builder.debit(CHART[code], amount)
    total = sum(amount for _, amount in debits)
    assert builder.credit(INVENTORY, total).build().lines
    if total + error > 0:
        with pytest.raises(DomainError) as err:
            builder.credit(INVENTORY, total + error).build()
        assert err.value.code == "ledger.unbalanced"
