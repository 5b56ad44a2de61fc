"""Receiving a transfer at its destination: counted against what was shipped, as an ASN is.

Good units come into the destination's Inventory with their share of the value in transit
(Dr Inventory / Cr Inventory in Transit). Short and damaged units are written off from transit
(Dr Inventory Write-off / Cr Inventory in Transit); damaged units are booked in as damaged and scrapped
at once, so the movement ledger shows them. Units beyond what was shipped are found stock, valued at
the destination's average cost (Dr Inventory / Cr Inventory Adjustment). Each difference opens an
exception as ASN receiving does. After the receipt nothing of the transfer is left in transit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain import ledger, stock
from domain.ledger import (
    INVENTORY,
    INVENTORY_ADJUSTMENT,
    INVENTORY_IN_TRANSIT,
    WRITE_OFF,
    EntryHeader,
    ItemValuation,
    JournalEntry,
    SourceDocument,
    div_half_even,
)
from domain.receiving import ExpectedLine, ReceiptResult, ReceivedLine, compare_receipt
from domain.stock import NO_LOT, Movement, MovementReason, Origin, StockKey, StockStatus
from domain.transfers import TransferLine, TransferOrder, TransferStatus, transition
from domain.valuation import Leg, entry, restore, share, valuation_of


@dataclass(frozen=True)
class TransferReceipt:
    """What receiving a transfer changes: the transfer, its variances, stock and valuations at the
    destination, and the books."""

    transfer: TransferOrder
    result: ReceiptResult  # over, short and damaged variances and their exceptions
    movements: tuple[Movement, ...]
    valuations: Mapping[str, ItemValuation]  # the destination's, by SKU
    entries: tuple[JournalEntry, ...]


def _movements(received: Sequence[ReceivedLine], *, dock: str, origin: Origin) -> list[Movement]:
    moves: list[Movement] = []
    for r in received:
        lot = r.lot or NO_LOT
        if r.qty:
            key = StockKey(dock, r.item, lot, StockStatus.AVAILABLE)
            moves.append(stock.book_in(key, r.qty, reason=MovementReason.TRANSFER_IN, origin=origin))
        if r.damaged_qty:
            key = StockKey(dock, r.item, lot, StockStatus.DAMAGED)
            moves.append(stock.book_in(key, r.damaged_qty, reason=MovementReason.TRANSFER_IN, origin=origin))
            moves.append(stock.adjust(key, -r.damaged_qty, reason=MovementReason.ADJUST_SCRAP, origin=origin))
    return moves


@dataclass(frozen=True)
class _Arrival:
    """One item's count against what was shipped of it."""

    shipped: int
    value: int  # in transit
    good: int
    damaged: int

    @property
    def matched_good(self) -> int:
        return min(self.good, self.shipped)

    @property
    def matched_damaged(self) -> int:
        return min(self.damaged, self.shipped - self.matched_good)

    @property
    def short(self) -> int:
        return self.shipped - self.matched_good - self.matched_damaged

    @property
    def over(self) -> int:
        return self.good - self.matched_good + self.damaged - self.matched_damaged


def _book(arrival: _Arrival, val: ItemValuation, *, header: EntryHeader) -> tuple[ItemValuation, JournalEntry | None]:
    matched = arrival.matched_good
    good_value = share(arrival.value, matched, of=arrival.shipped) if matched else 0
    extra = arrival.good - matched  # found good units; found damaged ones are scrapped at no value
    unit_cost = div_half_even(arrival.value, arrival.shipped) if arrival.shipped else None
    found_value = ledger.gain(val, extra, unit_cost=unit_cost)[1] if extra else 0
    kept = restore(val, matched + extra, value=good_value + found_value) if matched + extra else val
    legs = [
        Leg(INVENTORY, INVENTORY_IN_TRANSIT, good_value, val.warehouse),
        Leg(WRITE_OFF, INVENTORY_IN_TRANSIT, arrival.value - good_value, val.warehouse),
        Leg(INVENTORY, INVENTORY_ADJUSTMENT, found_value, val.warehouse),
    ]
    return kept, entry(header, val.currency, val.item, legs)


def receive(
    transfer: TransferOrder,
    received: Sequence[ReceivedLine],
    *,
    dock: str,
    valuations: Mapping[str, ItemValuation],
    receipt_id: str,
    user: str,
    at: datetime,
    device: str | None = None,
) -> TransferReceipt:
    """Receive what arrived of an in-transit transfer and settle it: nothing stays in transit after."""
    transition(transfer.status, TransferStatus.RECEIVED)
    lines = {line.sku: line for line in transfer.lines}
    expected = [ExpectedLine(line.sku, line.qty.shipped) for line in transfer.lines if line.qty.shipped]
    warehouse = transfer.destination
    result = compare_receipt(expected, received, receipt_id=receipt_id, warehouse=warehouse, received_by=user, now=at)
    good, damaged = Counter[str](), Counter[str]()
    for r in received:
        good[r.item] += r.qty
        damaged[r.item] += r.damaged_qty
    new_valuations: dict[str, ItemValuation] = {}
    entries: list[JournalEntry] = []
    settled: dict[str, TransferLine] = {}
    for sku in sorted(set(lines) | set(good) | set(damaged)):
        line = lines.get(sku)
        shipped, value = (line.qty.shipped, line.value_in_transit) if line else (0, 0)
        arrival = _Arrival(shipped, value, good[sku], damaged[sku])
        header = EntryHeader(f"{receipt_id}/{sku}", SourceDocument("transfer", transfer.id), user, at)
        val = valuation_of(valuations, sku, warehouse=warehouse)
        new_valuations[sku], posted = _book(arrival, val, header=header)
        entries += [posted] if posted else []
        if line:
            settled[sku] = replace(
                line, received=arrival.good, damaged=arrival.damaged, short=arrival.short, over=arrival.over
            )
    done = transfer.advance(TransferStatus.RECEIVED, (settled.get(line.sku, line) for line in transfer.lines))
    origin = Origin(transfer.id, user, device)
    movements = _movements(received, dock=dock, origin=origin)
    return TransferReceipt(done, result, tuple(movements), new_valuations, tuple(entries))
