"""Customer returns (RMA): authorised against a shipped line, received at the dock, inspected unit by
unit, then closed with their stock movements and postings (``domain/return_settlement.py``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.customers import Money
from domain.errors import Conflict, Invalid, Rejected
from domain.exception_queue import ExceptionKind, ExceptionRecord, open_exception
from domain.items import require_quantity
from domain.stock import NO_LOT


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_NEEDED = "not_needed"
    OTHER = "other"


class Condition(StrEnum):
    RESALEABLE = "resaleable"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


class RmaStatus(StrEnum):
    AUTHORISED = "authorised"
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"
    CANCELLED = "cancelled"


R = RmaStatus
TRANSITIONS: dict[RmaStatus, frozenset[RmaStatus]] = {
    R.AUTHORISED: frozenset({R.RECEIVED, R.CANCELLED}),  # cancelled only before anything arrived
    R.RECEIVED: frozenset({R.INSPECTED}),
    R.INSPECTED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}


def transition(current: RmaStatus, target: RmaStatus) -> RmaStatus:
    """``target`` if the table allows it from ``current``, else ``return.invalid_transition``."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "return.invalid_transition",
            f"A return that is {current} cannot become {target}",
            current=str(current),
            target=str(target),
        )
    return target


RMA_NUMBER = re.compile(r"^RMA-([A-Z0-9]{1,10})-(\d{6})$")


def rma_number(warehouse: str, seq: int) -> str:
    """``RMA-<warehouse>-<six digits>``: printed on the label, scanned at the dock."""
    number = f"RMA-{warehouse.upper()}-{require_quantity(seq, what='RMA sequence'):06d}"
    parse_rma_number(number)
    return number


def parse_rma_number(text: str) -> tuple[str, int]:
    """(warehouse, sequence) of an RMA number; ``return.bad_number`` if it is not one."""
    match = RMA_NUMBER.match(text.strip().upper())
    if match is None:
        raise Invalid("return.bad_number", f"{text!r} is not an RMA number (RMA-WH1-000123)", number=text)
    return match.group(1), int(match.group(2))


@dataclass(frozen=True)
class ShippedLine:
    """A shipped order line as the books recorded it: invoiced price and the cost its units left with."""

    order_id: str
    line_no: int
    sku: str
    warehouse: str
    shipped: int
    unit_price: Money  # as invoiced
    cost_value: int  # COGS posted for the ``shipped`` units, minor units
    returned: int = 0  # units authorised on earlier returns that were not cancelled
    restored: int = 0  # units already credited back on closed returns...
    restored_cost: int = 0  # ...and the recorded cost they came back with

    @property
    def returnable(self) -> int:
        """Units a new return may still take."""
        return self.shipped - self.returned


@dataclass(frozen=True)
class ReturnedGoods:
    """What the receiver counted in one scan: item, lot, how many and in what condition."""

    sku: str
    qty: int
    condition: Condition
    lot: str = NO_LOT

    def __post_init__(self) -> None:
        require_quantity(self.qty, what=f"Returned quantity of {self.sku}")


class Disposition(StrEnum):
    RESTOCK = "restock"  # back to available stock, by a guided putaway
    QUARANTINE = "quarantine"  # held for a closer look
    SCRAP = "scrap"  # written off
    RETURN_TO_VENDOR = "return_to_vendor"  # held aside to go back to the supplier


@dataclass(frozen=True)
class UnitDisposition:
    """What inspection decided for ``qty`` received units of ``sku`` (and lot)."""

    sku: str
    qty: int
    disposition: Disposition
    lot: str = NO_LOT

    def __post_init__(self) -> None:
        require_quantity(self.qty, what=f"Quantity of {self.sku} to dispose of")


@dataclass(frozen=True)
class ReturnAuthorisation:
    """An RMA: what the customer may send back, and what happened to it so far."""

    number: str
    customer_id: str
    line: ShippedLine
    qty: int
    reason: ReturnReason
    expected_condition: Condition
    authorised_by: str
    authorised_at: datetime
    status: RmaStatus = RmaStatus.AUTHORISED
    received: tuple[ReturnedGoods, ...] = ()
    dispositions: tuple[UnitDisposition, ...] = ()
    version: int = 1

    def advance(
        self,
        target: RmaStatus,
        *,
        received: tuple[ReturnedGoods, ...] | None = None,
        dispositions: tuple[UnitDisposition, ...] | None = None,
    ) -> ReturnAuthorisation:
        """The RMA in ``target`` status, one version on, with what arrived or was decided."""
        return replace(
            self,
            status=transition(self.status, target),
            version=self.version + 1,
            received=self.received if received is None else received,
            dispositions=self.dispositions if dispositions is None else dispositions,
        )


def authorise(
    line: ShippedLine,
    *,
    number: str,
    customer_id: str,
    qty: int,
    reason: ReturnReason,
    expected_condition: Condition,
    by: str,
    at: datetime,
) -> ReturnAuthorisation:
    """Authorise a return of ``qty`` units of a shipped line: never more than shipped and not yet returned."""
    parse_rma_number(number)
    require_quantity(qty, what="Quantity to return")
    if qty > line.returnable:
        raise Rejected(
            "return.exceeds_shipped",
            f"Only {line.returnable} of {line.sku} on {line.order_id} line {line.line_no} can still be returned",
            shipped=line.shipped,
            returned=line.returned,
            requested=qty,
        )
    return ReturnAuthorisation(number, customer_id, line, qty, reason, expected_condition, by, at)


def cancel(rma: ReturnAuthorisation) -> ReturnAuthorisation:
    """Withdraw an authorisation nothing has arrived for; its units become returnable again."""
    return rma.advance(RmaStatus.CANCELLED)


class DifferenceKind(StrEnum):
    MORE = "more"
    LESS = "less"
    OTHER_ITEM = "other_item"
    OTHER_CONDITION = "other_condition"


@dataclass(frozen=True)
class ReturnDifference:
    """How a receipt differs from its authorisation: ``expected`` and ``received`` are units
    (for ``other_condition``: units of the authorised item in that condition)."""

    kind: DifferenceKind
    sku: str
    expected: int
    received: int
    condition: Condition | None = None


def differences(rma: ReturnAuthorisation, goods: Sequence[ReturnedGoods]) -> tuple[ReturnDifference, ...]:
    """Every way ``goods`` differ from the authorisation: more, less, another item, another condition."""
    sku = rma.line.sku
    by_sku = Counter[str]()
    by_condition = Counter[Condition]()
    for g in goods:
        by_sku[g.sku] += g.qty
        if g.sku == sku:
            by_condition[g.condition] += g.qty
    found: list[ReturnDifference] = []
    if by_sku[sku] > rma.qty:
        found.append(ReturnDifference(DifferenceKind.MORE, sku, rma.qty, by_sku[sku]))
    elif by_sku[sku] < rma.qty:
        found.append(ReturnDifference(DifferenceKind.LESS, sku, rma.qty, by_sku[sku]))
    found += [ReturnDifference(DifferenceKind.OTHER_ITEM, s, 0, n) for s, n in sorted(by_sku.items()) if s != sku]
    found += [
        ReturnDifference(DifferenceKind.OTHER_CONDITION, sku, 0, n, condition)
        for condition, n in sorted(by_condition.items())
        if condition is not rma.expected_condition
    ]
    return tuple(found)


def receive(rma: ReturnAuthorisation, goods: Sequence[ReturnedGoods]) -> ReturnAuthorisation:
    """Record what arrived against the RMA (whatever it is: differences are reported, not refused)."""
    if not goods:
        raise Invalid("return.nothing_received", f"Count what arrived for {rma.number}", number=rma.number)
    return rma.advance(RmaStatus.RECEIVED, received=tuple(goods))


def difference_exceptions(
    rma: ReturnAuthorisation, *, warehouse: str, raised_by: str, now: datetime
) -> tuple[ExceptionRecord, ...]:
    """One exception per difference, for a supervisor to settle with the customer."""
    return tuple(
        open_exception(
            f"{rma.number}/{d.kind}/{d.sku}/{d.condition or '-'}",
            ExceptionKind.RECEIPT_VARIANCE,
            warehouse=warehouse,
            subject=f"return:{rma.number}",
            message=f"Return {rma.number}: {d.kind.replace('_', ' ')}, {d.received} {d.sku} ({d.expected} expected).",
            raised_by=raised_by,
            now=now,
            details={
                "kind": str(d.kind),
                "sku": d.sku,
                "expected": d.expected,
                "received": d.received,
                "condition": str(d.condition) if d.condition else None,
            },
        )
        for d in differences(rma, rma.received)
    )


def _units(entries: Sequence[ReturnedGoods] | Sequence[UnitDisposition]) -> Counter[tuple[str, str]]:
    units = Counter[tuple[str, str]]()
    for e in entries:
        units[(e.sku, e.lot)] += e.qty
    return units


def inspect(rma: ReturnAuthorisation, dispositions: Sequence[UnitDisposition]) -> ReturnAuthorisation:
    """Decide every received unit's fate; each item and lot must be accounted for exactly."""
    if _units(dispositions) != _units(rma.received):
        raise Rejected(
            "return.disposition_mismatch",
            f"Dispose of exactly the units received on {rma.number}, item by item and lot by lot",
            number=rma.number,
        )
    return rma.advance(RmaStatus.INSPECTED, dispositions=tuple(dispositions))
