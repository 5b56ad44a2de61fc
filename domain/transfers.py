"""Transfer orders between two of our warehouses: allocated and picked at the source like an order,
shipped into transit (owned and valued by the destination), received at the destination
(``domain/transfer_receipt.py``).

Ship-confirm issues the picked units at the source's average cost and moves that value from the
source's Inventory to Inventory in Transit, booked to the destination: Dr Inventory in Transit
(destination) / Cr Inventory (source). Whatever was not picked is cancelled: a transfer travels once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from domain import fulfilment, ledger, stock
from domain.errors import Broken, Conflict, Invalid, NotFound, Rejected
from domain.fulfilment import LineQuantities
from domain.ledger import INVENTORY, INVENTORY_IN_TRANSIT, EntryHeader, ItemValuation, JournalEntry, SourceDocument
from domain.stock import Movement, MovementReason, Origin, StockKey
from domain.valuation import Leg, entry, valuation_of


class TransferStatus(StrEnum):
    OPEN = "open"
    ALLOCATED = "allocated"
    PICKED = "picked"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    CANCELLED = "cancelled"


T = TransferStatus
TRANSITIONS: dict[TransferStatus, frozenset[TransferStatus]] = {
    T.OPEN: frozenset({T.ALLOCATED, T.CANCELLED}),
    T.ALLOCATED: frozenset({T.ALLOCATED, T.PICKED, T.CANCELLED}),
    T.PICKED: frozenset({T.IN_TRANSIT}),
    T.IN_TRANSIT: frozenset({T.RECEIVED}),
    T.RECEIVED: frozenset(),
    T.CANCELLED: frozenset(),
}


def transition(current: TransferStatus, target: TransferStatus) -> TransferStatus:
    """``target`` if the table allows it from ``current``, else ``transfer.invalid_transition``."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "transfer.invalid_transition",
            f"A transfer that is {current} cannot become {target}",
            current=str(current),
            target=str(target),
        )
    return target


@dataclass(frozen=True)
class TransferLine:
    """One item of a transfer: where its units are, the value in transit, and how it arrived."""

    line_no: int
    sku: str
    qty: LineQuantities
    value_in_transit: int = 0  # what the shipped units left the source with, minor units
    received: int = 0  # good units booked in at the destination
    damaged: int = 0
    short: int = 0
    over: int = 0


@dataclass(frozen=True)
class TransferOrder:
    """Goods moving from ``source`` to ``destination``, one line per item."""

    id: str
    source: str
    destination: str
    expected_date: date  # when the destination may count on the goods
    lines: tuple[TransferLine, ...]
    status: TransferStatus = TransferStatus.OPEN
    version: int = 1

    def line(self, line_no: int) -> TransferLine:
        """The line numbered ``line_no``; raises ``transfer.line_not_found``."""
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise NotFound("transfer.line_not_found", f"Transfer {self.id} has no line {line_no}", line=line_no)

    def advance(self, target: TransferStatus, lines: Iterable[TransferLine]) -> TransferOrder:
        """The transfer in ``target`` status with ``lines``, one version on."""
        status = transition(self.status, target)
        return replace(self, status=status, lines=tuple(lines), version=self.version + 1)


def create_transfer(
    transfer_id: str, *, source: str, destination: str, lines: Sequence[tuple[str, int]], expected_date: date
) -> TransferOrder:
    """A new open transfer of ``(sku, qty)`` lines; one line per item, between two warehouses."""
    if source == destination:
        raise Rejected("transfer.same_warehouse", f"A transfer goes between two warehouses, not {source} to itself")
    if not lines:
        raise Invalid("transfer.no_lines", "Name at least one item to transfer")
    skus = [sku for sku, _ in lines]
    if len(set(skus)) != len(skus):
        raise Invalid("transfer.duplicate_item", "Name each item once on a transfer")
    made = tuple(TransferLine(n, sku, LineQuantities.new(qty)) for n, (sku, qty) in enumerate(lines, start=1))
    return TransferOrder(transfer_id, source, destination, expected_date, made)


def _each(transfer: TransferOrder, qty_by_line: Mapping[int, int], step: str) -> list[TransferLine]:
    apply = {"allocate": fulfilment.allocate, "pick": fulfilment.pick}[step]
    for line_no in qty_by_line:
        transfer.line(line_no)
    return [
        replace(line, qty=apply(line.qty, qty_by_line[line.line_no])) if line.line_no in qty_by_line else line
        for line in transfer.lines
    ]


def allocate(transfer: TransferOrder, qty_by_line: Mapping[int, int]) -> TransferOrder:
    """Promise source stock to lines (more may follow while it is allocated)."""
    return transfer.advance(TransferStatus.ALLOCATED, _each(transfer, qty_by_line, "allocate"))


def pick(transfer: TransferOrder, qty_by_line: Mapping[int, int]) -> TransferOrder:
    """Stage allocated units; the transfer is picked once nothing allocated is left to pick."""
    lines = _each(transfer, qty_by_line, "pick")
    done = not any(line.qty.allocated for line in lines)
    return transfer.advance(TransferStatus.PICKED if done else TransferStatus.ALLOCATED, lines)


def cancel(transfer: TransferOrder) -> tuple[TransferOrder, dict[int, int]]:
    """Cancel a transfer before it is picked; returns it and the allocated units to release per line."""
    if any(line.qty.picked for line in transfer.lines):
        raise Conflict("transfer.already_picked", f"Transfer {transfer.id} has picked stock: ship it", id=transfer.id)
    released: dict[int, int] = {}
    lines = []
    for line in transfer.lines:
        qty, released[line.line_no] = fulfilment.cancel_remainder(line.qty)
        lines.append(replace(line, qty=qty))
    return transfer.advance(TransferStatus.CANCELLED, lines), released


@dataclass(frozen=True)
class Staged:
    """Units of a line waiting at the source's staging location (still allocated to the transfer)."""

    line_no: int
    key: StockKey
    qty: int


@dataclass(frozen=True)
class TransferShipment:
    """What shipping a transfer changes: the transfer, stock at the source, its valuations and the books."""

    transfer: TransferOrder
    movements: tuple[Movement, ...]
    valuations: Mapping[str, ItemValuation]  # the source's, by SKU
    entries: tuple[JournalEntry, ...]


def ship(
    transfer: TransferOrder,
    *,
    staged: Sequence[Staged],
    valuations: Mapping[str, ItemValuation],
    shipment_id: str,
    user: str,
    at: datetime,
    device: str | None = None,
) -> TransferShipment:
    """Ship every picked unit into transit: stock leaves the source, its value moves to in transit."""
    transition(transfer.status, TransferStatus.IN_TRANSIT)  # only a picked transfer has something to ship
    origin = Origin(transfer.id, user, device)
    movements: list[Movement] = []
    entries: list[JournalEntry] = []
    new_valuations: dict[str, ItemValuation] = {}
    lines = []
    for line in transfer.lines:
        here = [s for s in staged if s.line_no == line.line_no]
        if sum(s.qty for s in here) != line.qty.picked:
            raise Broken("transfer.staging_mismatch", f"Line {line.line_no}: staged stock is not what was picked")
        movements += [stock.ship(s.key, s.qty, origin=origin, reason=MovementReason.TRANSFER_OUT) for s in here]
        qty, _ = fulfilment.cancel_remainder(fulfilment.ship(line.qty))
        value = 0
        if line.qty.picked:
            at_source = valuation_of(valuations, line.sku, warehouse=transfer.source)
            new_valuations[line.sku], value = ledger.issue(at_source, line.qty.picked)
            header = EntryHeader(f"{shipment_id}/{line.sku}", SourceDocument("transfer", transfer.id), user, at)
            leg = Leg(INVENTORY_IN_TRANSIT, INVENTORY, value, transfer.destination, transfer.source)
            entries += [e for e in [entry(header, at_source.currency, line.sku, [leg])] if e]
        lines.append(replace(line, qty=qty, value_in_transit=value))
    shipped = transfer.advance(TransferStatus.IN_TRANSIT, lines)
    return TransferShipment(shipped, tuple(movements), new_valuations, tuple(entries))


def in_transit_inbound(transfers: Iterable[TransferOrder], *, warehouse: str, sku: str) -> tuple[tuple[date, int], ...]:
    """Units of ``sku`` on their way to ``warehouse``, by expected date: the ATP's inbound, as PO lines are."""
    return tuple(
        (t.expected_date, line.qty.shipped)
        for t in transfers
        if t.destination == warehouse and t.status is TransferStatus.IN_TRANSIT
        for line in t.lines
        if line.sku == sku and line.qty.shipped
    )


def in_transit_value(transfers: Iterable[TransferOrder], *, warehouse: str) -> int:
    """What the Inventory in Transit account should hold for ``warehouse``: the value of its open transfers."""
    return sum(
        line.value_in_transit
        for t in transfers
        if t.destination == warehouse and t.status is TransferStatus.IN_TRANSIT
        for line in t.lines
    )
