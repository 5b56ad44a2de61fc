"""Closing an inspected return: the stock each disposition books, the credit memo and the inventory
postings, decided together so the books and the shelves agree.

Money. The customer is credited at the invoiced price for the units of the authorised item that came
back, up to the authorised quantity: Dr Revenue / Cr AR. Those units come back into Inventory at the
cost they left with (their share of the line's recorded COGS): Dr Inventory / Cr COGS. Units nobody
authorised (more than authorised, another item) carry no credit and come in as found stock at the
item's average cost: Dr Inventory / Cr Inventory Adjustment. Scrapped units leave again at once at the
value they came in with: Dr Inventory Write-off / Cr Inventory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from domain import ledger, stock
from domain.customers import Money
from domain.ledger import (
    AR,
    COGS,
    INVENTORY,
    INVENTORY_ADJUSTMENT,
    REVENUE,
    WRITE_OFF,
    EntryHeader,
    ItemValuation,
    JournalBuilder,
    JournalEntry,
    SourceDocument,
)
from domain.returns import Disposition, ReturnAuthorisation, RmaStatus, UnitDisposition
from domain.stock import Movement, MovementReason, Origin, StockKey, StockStatus
from domain.valuation import Leg, entry, restore, share, valuation_of


@dataclass(frozen=True)
class ReturnPlaces:
    """Where returned stock is booked: the returns area at the dock, and the shelf for the supplier."""

    returns_area: str
    vendor_returns: str


# Where each disposition books its units: (location, status); scrap lands as damaged, then leaves.
_BOOKED: dict[Disposition, tuple[str, StockStatus]] = {
    Disposition.RESTOCK: ("returns_area", StockStatus.AVAILABLE),
    Disposition.QUARANTINE: ("returns_area", StockStatus.QUARANTINED),
    Disposition.RETURN_TO_VENDOR: ("vendor_returns", StockStatus.QUARANTINED),
    Disposition.SCRAP: ("returns_area", StockStatus.DAMAGED),
}


@dataclass(frozen=True)
class ReturnSettlement:
    """Everything closing a return changes: the RMA, stock movements, valuations and journal entries."""

    rma: ReturnAuthorisation
    credited_qty: int
    credit: Money
    movements: tuple[Movement, ...]
    valuations: Mapping[str, ItemValuation]  # by SKU, in the return's warehouse
    entries: tuple[JournalEntry, ...]


def movements_for(d: UnitDisposition, *, places: ReturnPlaces, origin: Origin) -> tuple[Movement, ...]:
    """The stock a disposition books in (and, for scrap, writes off again)."""
    where, status = _BOOKED[d.disposition]
    key = StockKey(getattr(places, where), d.sku, d.lot, status)
    booked = stock.book_in(key, d.qty, reason=MovementReason.RETURN, origin=origin)
    if d.disposition is Disposition.SCRAP:
        return booked, stock.adjust(key, -d.qty, reason=MovementReason.ADJUST_SCRAP, origin=origin)
    return (booked,)


def credit_memo(
    rma: ReturnAuthorisation, qty: int, *, memo_id: str, user: str, at: datetime
) -> JournalEntry | None:
    """Dr Revenue / Cr AR at the invoiced price for ``qty`` units; None when there is nothing to credit."""
    amount = rma.line.unit_price.times(qty).amount
    if not amount:
        return None
    header = EntryHeader(memo_id, SourceDocument("credit_memo", memo_id), user, at, f"Credit for return {rma.number}")
    builder = JournalBuilder(header, rma.line.unit_price.currency)
    return builder.debit(REVENUE, amount, item=rma.line.sku).credit(AR, amount).build()


def _item_entry(
    rma: ReturnAuthorisation,
    sku: str,
    *,
    val: ItemValuation,
    matched: int,
    units: Counter[Disposition],
    header: EntryHeader,
) -> tuple[ItemValuation, JournalEntry | None]:
    line = rma.line
    total = sum(units.values())
    matched_value = 0
    if matched:
        matched_value = share(
            line.cost_value, matched, of=line.shipped, taken=line.restored, taken_value=line.restored_cost
        )
    found_value = ledger.gain(val, total - matched)[1] if total > matched else 0
    value_in = matched_value + found_value
    scrapped = units[Disposition.SCRAP]
    written_off = share(value_in, scrapped, of=total) if scrapped else 0
    kept = restore(val, total - scrapped, value=value_in - written_off) if total > scrapped else val
    legs = [
        Leg(INVENTORY, COGS, matched_value, val.warehouse),
        Leg(INVENTORY, INVENTORY_ADJUSTMENT, found_value, val.warehouse),
        Leg(WRITE_OFF, INVENTORY, written_off, val.warehouse),
    ]
    return kept, entry(header, val.currency, sku, legs)


def settle(
    rma: ReturnAuthorisation,
    *,
    valuations: Mapping[str, ItemValuation],
    places: ReturnPlaces,
    memo_id: str,
    user: str,
    at: datetime,
    device: str | None = None,
) -> ReturnSettlement:
    """Close an inspected return: book each disposition, credit the customer, post the inventory."""
    closed = rma.advance(RmaStatus.CLOSED)
    origin = Origin(rma.number, user, device)
    by_item: dict[str, Counter[Disposition]] = {}
    movements: list[Movement] = []
    for d in rma.dispositions:
        by_item.setdefault(d.sku, Counter())[d.disposition] += d.qty
        movements += movements_for(d, places=places, origin=origin)
    credited = min(sum(by_item.get(rma.line.sku, Counter()).values()), rma.qty)
    entries = [e for e in [credit_memo(rma, credited, memo_id=memo_id, user=user, at=at)] if e]
    new_valuations: dict[str, ItemValuation] = {}
    for sku in sorted(by_item):
        val = valuation_of(valuations, sku, warehouse=rma.line.warehouse)
        source = SourceDocument("return", rma.number)
        header = EntryHeader(f"{rma.number}/{sku}", source, user, at, f"Return {rma.number}")
        matched = credited if sku == rma.line.sku else 0
        val, posted = _item_entry(rma, sku, val=val, matched=matched, units=by_item[sku], header=header)
        new_valuations[sku] = val
        entries += [posted] if posted else []
    return ReturnSettlement(
        rma=closed,
        credited_qty=credited,
        credit=rma.line.unit_price.times(credited),
        movements=tuple(movements),
        valuations=new_valuations,
        entries=tuple(entries),
    )
