"""Receiving: compare what was expected (ASN lines or an SSCC's contents) with what arrived."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import Invalid
from domain.exception_queue import ExceptionKind, ExceptionRecord, open_exception

AVAILABLE = "available"
QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    item: str
    qty: int
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    """What the receiver counted: good units, plus damaged units with why they are damaged."""

    item: str
    qty: int
    lot: str | None = None
    damaged_qty: int = 0
    damage_reason: str | None = None


class VarianceKind(StrEnum):
    OVER = "over"
    SHORT = "short"
    DAMAGED = "damaged"


@dataclass(frozen=True, slots=True)
class Variance:
    kind: VarianceKind
    item: str
    lot: str | None
    expected: int
    received: int  # good + damaged: damaged units did arrive
    qty: int  # size of this variance, always positive
    reason: str


@dataclass(frozen=True, slots=True)
class Disposition:
    """Stock to book in: good units as available, damaged ones as quarantined."""

    item: str
    lot: str | None
    qty: int
    status: str


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    variances: tuple[Variance, ...]
    dispositions: tuple[Disposition, ...]
    exceptions: tuple[ExceptionRecord, ...]

    @property
    def clean(self) -> bool:
        return not self.variances


@dataclass(frozen=True, slots=True)
class ReceivingLinePrompt:
    item: str
    lot: str | None
    qty_expected: int | None  # None when receiving blind


def receiving_prompt(expected: Iterable[ExpectedLine], *, blind: bool) -> tuple[ReceivingLinePrompt, ...]:
    """Lines to show the receiver; blind receiving hides quantities so they count, not confirm."""
    return tuple(ReceivingLinePrompt(e.item, e.lot, None if blind else e.qty) for e in expected)


def _validate(received: Sequence[ReceivedLine]) -> None:
    for r in received:
        if r.qty < 0 or r.damaged_qty < 0 or r.qty + r.damaged_qty == 0:
            raise Invalid(
                "receiving.invalid_quantity",
                f"Received {r.qty} good and {r.damaged_qty} damaged {r.item}: enter a positive count.",
                item=r.item,
            )
        if r.damaged_qty and not (r.damage_reason or "").strip():
            raise Invalid(
                "receiving.damage_reason_required",
                f"Say why {r.damaged_qty} {r.item} are damaged.",
                item=r.item,
            )


def compare_receipt(
    expected: Iterable[ExpectedLine],
    received: Sequence[ReceivedLine],
    *,
    receipt_id: str,
    warehouse: str,
    received_by: str,
    now: datetime,
) -> ReceiptResult:
    """Over, short and damaged variances per (item, lot), what to book where, and their exceptions.

    An ASN that names no lot for an item is compared per item, whatever lots arrived; the
    dispositions keep the lots actually received.
    """
    _validate(received)
    expected_qty: dict[tuple[str, str | None], int] = defaultdict(int)
    lotless_items: set[str] = set()
    for e in expected:
        expected_qty[(e.item, e.lot)] += e.qty
        if e.lot is None:
            lotless_items.add(e.item)
    arrived: dict[tuple[str, str | None], int] = defaultdict(int)
    booked: dict[tuple[str, str | None, str], int] = defaultdict(int)
    variances: list[Variance] = []
    for r in received:
        key = (r.item, None if r.item in lotless_items else r.lot)
        arrived[key] += r.qty + r.damaged_qty
        if r.qty:
            booked[(r.item, r.lot, AVAILABLE)] += r.qty
        if r.damaged_qty:
            booked[(r.item, r.lot, QUARANTINED)] += r.damaged_qty
            variances.append(
                Variance(
                    VarianceKind.DAMAGED,
                    r.item,
                    r.lot,
                    expected_qty.get(key, 0),
                    r.qty + r.damaged_qty,
                    r.damaged_qty,
                    r.damage_reason or "",
                )
            )
    for key in sorted(set(expected_qty) | set(arrived), key=lambda k: (k[0], k[1] or "")):
        want, got = expected_qty.get(key, 0), arrived.get(key, 0)
        if got > want:
            reason = "not_on_asn" if want == 0 else "over_expected"
            variances.append(Variance(VarianceKind.OVER, key[0], key[1], want, got, got - want, reason))
        elif got < want:
            variances.append(Variance(VarianceKind.SHORT, key[0], key[1], want, got, want - got, "short_shipped"))
    exceptions = tuple(
        open_exception(
            f"{receipt_id}/{v.kind}/{v.item}/{v.lot or '-'}",
            ExceptionKind.RECEIPT_VARIANCE,
            warehouse=warehouse,
            subject=f"receipt:{receipt_id}",
            message=f"{v.kind.capitalize()} {v.qty} of {v.item}"
            + (f" lot {v.lot}" if v.lot else "")
            + f": {v.reason}.",
            raised_by=received_by,
            now=now,
            details={
                "kind": v.kind.value,
                "item": v.item,
                "lot": v.lot,
                "expected": v.expected,
                "received": v.received,
                "qty": v.qty,
                "reason": v.reason,
            },
        )
        for v in variances
    )
    dispositions = tuple(Disposition(item, lot, qty, status) for (item, lot, status), qty in booked.items())
    return ReceiptResult(variances=tuple(variances), dispositions=dispositions, exceptions=exceptions)
