from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from domain.balances import account_balance, trial_balance
from domain.errors import DomainError
from domain.ledger import (
    AR,
    CHART,
    COGS,
    GRNI,
    INVENTORY,
    INVENTORY_ADJUSTMENT,
    REVENUE,
    AccountType,
    EntryHeader,
    InvoiceLine,
    ItemValuation,
    JournalBuilder,
    JournalEntry,
    SourceDocument,
    issue,
    post_count_adjustment,
    post_invoice,
    post_opening_stock,
    post_receipt,
    post_shipment,
    reverse,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
EMPTY = ItemValuation("SKU-1", "W1", "EUR")


def header(entry_id: str = "JE-1", kind: str = "receipt") -> EntryHeader:
    return EntryHeader(entry_id, SourceDocument(kind, "DOC-1"), "ann", NOW, memo="test")


def amounts(entry: JournalEntry | None) -> list[tuple[str, int, int]]:
    assert entry is not None
    return [(line.account, line.debit, line.credit) for line in entry.lines]


def test_chart_has_the_ten_accounts_with_their_types() -> None:
    assert {a.name: a.type for a in CHART.values()} == {
        "Cash": AccountType.ASSET,
        "Inventory": AccountType.ASSET,
        "Inventory in Transit": AccountType.ASSET,
        "Inventory Write-off": AccountType.EXPENSE,
        "Goods Received Not Invoiced": AccountType.LIABILITY,
        "Opening Balance Equity": AccountType.EQUITY,
        "Cost of Goods Sold": AccountType.EXPENSE,
        "Revenue": AccountType.REVENUE,
        "Accounts Receivable": AccountType.ASSET,
        "Inventory Adjustment": AccountType.EXPENSE,
    }


def test_builder_refuses_an_unbalanced_entry() -> None:
    builder = JournalBuilder(header(), "EUR").debit(INVENTORY, 100).credit(GRNI, 99)
    with pytest.raises(DomainError) as err:
        builder.build()
    assert err.value.code == "ledger.unbalanced"


def test_builder_refuses_an_empty_entry_and_non_positive_lines() -> None:
    with pytest.raises(DomainError) as err:
        JournalBuilder(header(), "EUR").build()
    assert err.value.code == "ledger.empty_entry"
    with pytest.raises(DomainError) as err:
        JournalBuilder(header(), "EUR").debit(INVENTORY, 0)
    assert err.value.code == "ledger.invalid_amount"


def test_entries_balance_per_currency() -> None:
    eur = JournalBuilder(header(), "EUR").debit(INVENTORY, 100)
    mixed = JournalBuilder(header(), "USD", lines=eur.lines).credit(GRNI, 100)
    with pytest.raises(DomainError) as err:
        mixed.build()
    assert err.value.code == "ledger.unbalanced"


def test_a_built_entry_is_immutable_and_keeps_its_source_and_user() -> None:
    entry = JournalBuilder(header(), "EUR").debit(INVENTORY, 100).credit(GRNI, 100).build()
    assert (entry.id, entry.header.source.kind, entry.header.user) == ("JE-1", "receipt", "ann")
    with pytest.raises(AttributeError):
        entry.lines = ()  # type: ignore[misc]


def test_reversal_is_a_new_opposite_entry_that_nets_to_zero() -> None:
    entry = JournalBuilder(header(), "EUR").debit(INVENTORY, 100).credit(GRNI, 100).build()
    undo = reverse(entry, entry_id="JE-2", user="sue", posted_at=NOW)
    assert undo.reverses == "JE-1"
    assert amounts(undo) == [("1300", 0, 100), ("2100", 100, 0)]
    assert all(row.balance == 0 for row in trial_balance([entry, undo]))


def test_receipt_posts_inventory_against_grni_at_po_cost() -> None:
    posting = post_receipt(EMPTY, qty=10, unit_cost=250, header=header())
    assert amounts(posting.entry) == [(INVENTORY.code, 2500, 0), (GRNI.code, 0, 2500)]
    assert (posting.valuation.qty, posting.valuation.value) == (10, 2500)


def test_opening_stock_posts_inventory_against_opening_equity() -> None:
    posting = post_opening_stock(EMPTY, qty=10, unit_cost=125, header=header("OPEN", "opening"))
    assert amounts(posting.entry) == [("1300", 1250, 0), ("3000", 0, 1250)]
    assert (posting.valuation.qty, posting.valuation.value) == (10, 1250)


def test_receipts_at_different_costs_move_the_average() -> None:
    val = post_receipt(EMPTY, qty=10, unit_cost=100, header=header()).valuation
    val = post_receipt(val, qty=10, unit_cost=200, header=header("JE-2")).valuation
    assert val.average_cost == Fraction(150)


def test_shipment_posts_cogs_against_inventory_at_average_cost() -> None:
    val = post_receipt(EMPTY, qty=3, unit_cost=100, header=header()).valuation
    val = post_receipt(val, qty=1, unit_cost=101, header=header("JE-2")).valuation  # 401 for 4
    posting = post_shipment(val, qty=2, header=header("JE-3", "shipment"))
    # 401 * 2 / 4 = 200.5 -> half-even 200
    assert amounts(posting.entry) == [(COGS.code, 200, 0), (INVENTORY.code, 0, 200)]
    assert (posting.valuation.qty, posting.valuation.value) == (2, 201)


def test_shipping_the_last_units_removes_all_remaining_value() -> None:
    val = ItemValuation("SKU-1", "W1", "EUR", qty=3, value=100)
    val, first = issue(val, 1)
    val, second = issue(val, 1)
    val, last = issue(val, 1)
    assert (first, second, last) == (33, 34, 33)
    assert (val.qty, val.value) == (0, 0)


def test_shipping_more_than_on_hand_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        post_shipment(EMPTY, qty=1, header=header())
    assert err.value.code == "stock.insufficient"


def test_invoice_posts_receivable_against_revenue_at_order_price() -> None:
    entry = post_invoice(
        [InvoiceLine("SKU-1", 2, 1999), InvoiceLine("SKU-2", 1, 500)],
        currency="EUR",
        header=header(kind="invoice"),
    )
    assert amounts(entry) == [(REVENUE.code, 0, 3998), (REVENUE.code, 0, 500), (AR.code, 4498, 0)]


def test_count_loss_credits_inventory_and_gain_debits_it() -> None:
    val = ItemValuation("SKU-1", "W1", "EUR", qty=10, value=1000)
    loss = post_count_adjustment(val, qty_delta=-2, header=header(kind="count"))
    assert amounts(loss.entry) == [(INVENTORY_ADJUSTMENT.code, 200, 0), (INVENTORY.code, 0, 200)]
    found = post_count_adjustment(val, qty_delta=3, header=header(kind="count"))
    assert amounts(found.entry) == [(INVENTORY.code, 300, 0), (INVENTORY_ADJUSTMENT.code, 0, 300)]
    assert post_count_adjustment(val, qty_delta=0, header=header()).entry is None


def test_a_count_gain_on_empty_stock_needs_a_known_cost() -> None:
    with pytest.raises(DomainError) as err:
        post_count_adjustment(EMPTY, qty_delta=1, header=header())
    assert err.value.code == "ledger.cost_unknown"
    val = post_shipment(post_receipt(EMPTY, qty=1, unit_cost=70, header=header()).valuation, qty=1, header=header())
    assert post_count_adjustment(val.valuation, qty_delta=2, header=header()).valuation.value == 140


def test_a_zero_cost_receipt_moves_stock_but_posts_nothing() -> None:
    posting = post_receipt(EMPTY, qty=5, unit_cost=0, header=header())
    assert posting.entry is None and posting.valuation.qty == 5


def test_trial_balance_sums_debits_and_credits_per_account() -> None:
    receipt = post_receipt(EMPTY, qty=10, unit_cost=100, header=header())
    ship = post_shipment(receipt.valuation, qty=4, header=header("JE-2"))
    entries = [e for e in (receipt.entry, ship.entry) if e is not None]
    rows = {row.account: row for row in trial_balance(entries)}
    assert (rows[INVENTORY.code].debit, rows[INVENTORY.code].credit, rows[INVENTORY.code].balance) == (
        1000,
        400,
        600,
    )
    assert sum(row.balance for row in rows.values()) == 0
    assert account_balance(entries, INVENTORY, currency="EUR", warehouse="W1") == 600
    assert account_balance(entries, INVENTORY, currency="EUR", warehouse="W2") == 0
