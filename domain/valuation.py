"""Stock coming back at a value already known (a return at its recorded cost, a transfer at the value
it left with), and the share of a known value that part of its units carries.

These keep the rule of ``domain/ledger.py``: a warehouse's Inventory balance is the sum of its items'
valuations, because every posting moves exactly the value the valuation gains or loses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from domain.errors import Invalid, NotFound, Rejected
from domain.items import require_quantity
from domain.ledger import Account, EntryHeader, ItemValuation, JournalBuilder, JournalEntry, div_half_even


def share(value: int, qty: int, *, of: int, taken: int = 0, taken_value: int = 0) -> int:
    """The part of ``value`` (carried by ``of`` units) that ``qty`` units carry, rounded half-even.

    ``taken`` units worth ``taken_value`` went earlier; the units that empty the lot take whatever
    value is left, so no remainder is ever stranded.
    """
    require_quantity(qty, what="Quantity")
    if taken + qty > of:
        raise Invalid("ledger.invalid_quantity", f"{taken + qty} units of a lot of {of}", qty=qty, of=of)
    if taken + qty == of:
        return value - taken_value
    return div_half_even(value * qty, of)


def valuation_of(valuations: Mapping[str, ItemValuation], sku: str, *, warehouse: str) -> ItemValuation:
    """The valuation of ``sku`` in ``warehouse`` among those a command loaded."""
    val = valuations.get(sku)
    if val is None:
        raise NotFound("ledger.valuation_unknown", f"No valuation of {sku} given", sku=sku)
    if val.warehouse != warehouse:
        message = f"The valuation of {sku} given is {val.warehouse}'s, not {warehouse}'s"
        raise Rejected("ledger.wrong_warehouse", message, sku=sku, warehouse=val.warehouse)
    return val


def restore(val: ItemValuation, qty: int, *, value: int) -> ItemValuation:
    """``qty`` units back into a warehouse worth exactly ``value`` (the average moves accordingly)."""
    require_quantity(qty, what="Quantity")
    if value < 0:
        raise Invalid("ledger.invalid_amount", f"Value {value} is negative.")
    return replace(val, qty=val.qty + qty, value=val.value + value)


class Leg(NamedTuple):
    """``amount`` debited to one account and credited to another, each in its warehouse."""

    debit: Account
    credit: Account
    amount: int
    warehouse: str
    credit_warehouse: str | None = None  # when value crosses warehouses (a transfer)


def entry(header: EntryHeader, currency: str, item: str, legs: Sequence[Leg]) -> JournalEntry | None:
    """One balanced entry of debit/credit pairs on ``item``; None when every amount is zero."""
    builder = JournalBuilder(header, currency)
    for leg in legs:
        if leg.amount:
            builder = builder.debit(leg.debit, leg.amount, warehouse=leg.warehouse, item=item)
            from_warehouse = leg.credit_warehouse or leg.warehouse
            builder = builder.credit(leg.credit, leg.amount, warehouse=from_warehouse, item=item)
    return builder.build() if builder.lines else None
