"""Double-entry postings for stock movements, and moving-average inventory valuation.

Valuation rule (why the GL always equals the stock valuation, to the minor unit):
an item's valuation per warehouse is the pair (qty, value), both integers; the average cost is
the exact fraction value / qty and is never stored rounded. Receipts add qty x PO unit cost.
Issues remove value x issued / qty rounded half-even, and issuing the last units removes whatever
value is left, so no remainder is stranded on zero stock. Count gains add value at the same
average (or at the last known unit cost when stock is zero). Every posting moves exactly the
value delta, so the Inventory balance of a warehouse equals the sum of its items' values, which
is sum(on_hand x average cost) exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Self

from domain.errors import Conflict, Invalid, Rejected


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    EXPENSE = "expense"
    REVENUE = "revenue"


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    type: AccountType


INVENTORY = Account("1300", "Inventory", AccountType.ASSET)
AR = Account("1200", "Accounts Receivable", AccountType.ASSET)
GRNI = Account("2100", "Goods Received Not Invoiced", AccountType.LIABILITY)
REVENUE = Account("4000", "Revenue", AccountType.REVENUE)
COGS = Account("5000", "Cost of Goods Sold", AccountType.EXPENSE)
INVENTORY_ADJUSTMENT = Account("5100", "Inventory Adjustment", AccountType.EXPENSE)
OPENING_BALANCE = Account("3000", "Opening Balance Equity", AccountType.EQUITY)
CASH = Account("1000", "Cash", AccountType.ASSET)
INVENTORY_IN_TRANSIT = Account("1310", "Inventory in Transit", AccountType.ASSET)
WRITE_OFF = Account("5200", "Inventory Write-off", AccountType.EXPENSE)
Dim = str | None  # an optional line dimension (warehouse, item)
_BALANCE_SHEET = (CASH, AR, INVENTORY, INVENTORY_IN_TRANSIT, GRNI, OPENING_BALANCE)
_INCOME_STATEMENT = (REVENUE, COGS, INVENTORY_ADJUSTMENT, WRITE_OFF)
CHART = MappingProxyType({a.code: a for a in (*_BALANCE_SHEET, *_INCOME_STATEMENT)})


@dataclass(frozen=True, slots=True)
class SourceDocument:
    kind: str  # receipt, shipment, invoice, count, reversal
    id: str


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    debit: int
    credit: int
    currency: str
    warehouse: str | None = None
    item: str | None = None

    def __post_init__(self) -> None:
        if self.account not in CHART:
            raise Rejected("ledger.unknown_account", f"No account {self.account}.")
        if min(self.debit, self.credit) != 0 or max(self.debit, self.credit) <= 0:
            raise Invalid("ledger.invalid_amount", f"Bad line {self.debit}/{self.credit}.")


@dataclass(frozen=True, slots=True)
class EntryHeader:
    entry_id: str
    source: SourceDocument
    user: str
    posted_at: datetime
    memo: str = ""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """Posted once, never edited: a mistake is undone by ``reverse``. Refuses to exist unbalanced."""

    header: EntryHeader
    lines: tuple[JournalLine, ...]
    reverses: str | None = None

    def __post_init__(self) -> None:
        if not self.lines:
            raise Invalid("ledger.empty_entry", f"Entry {self.id} has no lines.")
        net: dict[str, int] = defaultdict(int)
        for line in self.lines:
            net[line.currency] += line.debit - line.credit
        off = {c: n for c, n in net.items() if n}
        if off:
            raise Rejected("ledger.unbalanced", f"Entry {self.id} is off by {off}.", net=off)

    @property
    def id(self) -> str:
        return self.header.entry_id


@dataclass(frozen=True, slots=True)
class JournalBuilder:
    """Collects lines in one currency; ``build`` refuses anything that does not balance."""

    header: EntryHeader
    currency: str
    lines: tuple[JournalLine, ...] = ()

    def debit(self, account: Account, amount: int, *, warehouse: Dim = None, item: Dim = None) -> Self:
        """Add a debit line."""
        line = JournalLine(account.code, amount, 0, self.currency, warehouse, item)
        return replace(self, lines=(*self.lines, line))

    def credit(self, account: Account, amount: int, *, warehouse: Dim = None, item: Dim = None) -> Self:
        """Add a credit line."""
        line = JournalLine(account.code, 0, amount, self.currency, warehouse, item)
        return replace(self, lines=(*self.lines, line))

    def build(self) -> JournalEntry:
        """The immutable entry; raises ledger.unbalanced if debits and credits differ."""
        return JournalEntry(self.header, self.lines)


def reverse(entry: JournalEntry, *, entry_id: str, user: str, posted_at: datetime) -> JournalEntry:
    """A new entry with every debit and credit swapped, pointing back at the original."""
    source = SourceDocument("reversal", entry.id)
    header = EntryHeader(entry_id, source, user, posted_at, f"Reversal of {entry.id}")
    lines = tuple(replace(line, debit=line.credit, credit=line.debit) for line in entry.lines)
    return JournalEntry(header, lines, reverses=entry.id)


def div_half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even to a whole minor unit."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


@dataclass(frozen=True, slots=True)
class ItemValuation:
    item: str
    warehouse: str
    currency: str
    qty: int = 0
    value: int = 0  # minor units; the state, from which the average cost is derived
    last_unit_cost: int | None = None

    def __post_init__(self) -> None:
        if self.qty < 0 or self.value < 0 or (self.qty == 0 and self.value != 0):
            raise Conflict("ledger.invalid_valuation", f"{self.item}: {self.qty} worth {self.value}.")

    @property
    def average_cost(self) -> Fraction:
        """Exact moving-average unit cost (0 with no stock)."""
        return Fraction(self.value, self.qty) if self.qty else Fraction(0)

    def average_unit_cost(self) -> int:
        """Average cost rounded half-even to a minor unit, for display and thresholds only."""
        return div_half_even(self.value, self.qty) if self.qty else (self.last_unit_cost or 0)


def _positive(qty: int, what: str) -> None:
    if qty <= 0:
        raise Invalid("ledger.invalid_quantity", f"{what} quantity {qty} is not positive.")


def receive(val: ItemValuation, qty: int, *, unit_cost: int) -> tuple[ItemValuation, int]:
    """Add stock at ``unit_cost``; returns the new valuation and the value added."""
    _positive(qty, "Receipt")
    if unit_cost < 0:
        raise Invalid("ledger.invalid_cost", f"Unit cost {unit_cost} is negative.")
    added = qty * unit_cost
    return replace(val, qty=val.qty + qty, value=val.value + added, last_unit_cost=unit_cost), added


def issue(val: ItemValuation, qty: int) -> tuple[ItemValuation, int]:
    """Remove stock at average cost; returns the new valuation and the value removed."""
    _positive(qty, "Issue")
    if qty > val.qty:
        message = f"Cannot take {qty} of {val.item}: only {val.qty} on hand in {val.warehouse}."
        raise Conflict("stock.insufficient", message, item=val.item, on_hand=val.qty, requested=qty)
    removed = val.value if qty == val.qty else div_half_even(val.value * qty, val.qty)
    return replace(val, qty=val.qty - qty, value=val.value - removed), removed


def gain(val: ItemValuation, qty: int, *, unit_cost: int | None = None) -> tuple[ItemValuation, int]:
    """Add found stock at the current average (or ``unit_cost``/last cost when there is none)."""
    _positive(qty, "Gain")
    if val.qty:
        added = div_half_even(val.value * qty, val.qty)
    else:
        cost = unit_cost if unit_cost is not None else val.last_unit_cost
        if cost is None or cost < 0:
            raise Rejected("ledger.cost_unknown", f"Give a unit cost for {val.item}.")
        added = qty * cost
    return replace(val, qty=val.qty + qty, value=val.value + added), added


@dataclass(frozen=True, slots=True)
class Posting:
    valuation: ItemValuation
    entry: JournalEntry | None  # None when the movement carried no value (free goods, zero cost)


def _pair(header: EntryHeader, dr: Account, cr: Account, amount: int, val: ItemValuation) -> JournalEntry | None:
    if amount == 0:
        return None
    builder = JournalBuilder(header, val.currency)
    at = {"warehouse": val.warehouse, "item": val.item}
    return builder.debit(dr, amount, **at).credit(cr, amount, **at).build()


def post_receipt(val: ItemValuation, *, qty: int, unit_cost: int, header: EntryHeader) -> Posting:
    """Goods received: Dr Inventory / Cr GRNI at PO cost."""
    new, added = receive(val, qty, unit_cost=unit_cost)
    return Posting(new, _pair(header, INVENTORY, GRNI, added, val))


def post_opening_stock(val: ItemValuation, *, qty: int, unit_cost: int, header: EntryHeader) -> Posting:
    """Stock on hand when the books open: Dr Inventory / Cr Opening Balance Equity."""
    new, added = receive(val, qty, unit_cost=unit_cost)
    return Posting(new, _pair(header, INVENTORY, OPENING_BALANCE, added, val))


def post_shipment(val: ItemValuation, *, qty: int, header: EntryHeader) -> Posting:
    """Goods shipped: Dr COGS / Cr Inventory at average cost."""
    new, removed = issue(val, qty)
    return Posting(new, _pair(header, COGS, INVENTORY, removed, val))


def post_count_adjustment(
    val: ItemValuation, *, qty_delta: int, header: EntryHeader, unit_cost: int | None = None
) -> Posting:
    """Count variance: a gain is Dr Inventory / Cr Adjustment, a loss the other way round."""
    if qty_delta == 0:
        return Posting(val, None)
    if qty_delta > 0:
        new, added = gain(val, qty_delta, unit_cost=unit_cost)
        return Posting(new, _pair(header, INVENTORY, INVENTORY_ADJUSTMENT, added, val))
    new, removed = issue(val, -qty_delta)
    return Posting(new, _pair(header, INVENTORY_ADJUSTMENT, INVENTORY, removed, val))


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    item: str
    qty: int
    unit_price: int  # minor units, the order's agreed price


def post_invoice(lines: Sequence[InvoiceLine], *, currency: str, header: EntryHeader) -> JournalEntry:
    """Customer invoiced: Dr AR / Cr Revenue at order price, one revenue line per item line."""
    builder = JournalBuilder(header, currency)
    total = 0
    for line in lines:
        _positive(line.qty, "Invoice")
        amount = line.qty * line.unit_price
        if amount:
            builder = builder.credit(REVENUE, amount, item=line.item)
        total += amount
    if total <= 0:
        raise Invalid("ledger.invalid_amount", "An invoice must total more than zero.")
    return builder.debit(AR, total).build()
