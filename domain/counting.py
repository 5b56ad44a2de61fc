"""Cycle counts: what a variance is worth, who must approve it, and which bins are due a count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from domain.errors import Forbidden, Invalid
from domain.exception_queue import ExceptionKind, ExceptionRecord, open_exception

# Days between counts per ABC class: fast movers are counted most often.
DEFAULT_INTERVALS: Mapping[str, int] = MappingProxyType({"A": 30, "B": 90, "C": 180})


class CountAction(StrEnum):
    NONE = "none"  # count matches the system
    AUTO_ADJUST = "auto_adjust"
    NEEDS_APPROVAL = "needs_approval"


@dataclass(frozen=True, slots=True)
class CountLine:
    count_id: str
    warehouse: str
    location: str
    item: str
    system_qty: int
    counted_qty: int
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class CountDecision:
    line: CountLine
    variance_qty: int  # counted - system: negative means stock is missing
    variance_value: int  # minor units, same sign as the quantity
    currency: str
    action: CountAction
    exception: ExceptionRecord | None  # only when a supervisor has to approve


def evaluate_count(
    line: CountLine,
    *,
    unit_cost: int,
    currency: str,
    auto_adjust_limit: int,
    counted_by: str,
    now: datetime,
    free_qty: int | None = None,
) -> CountDecision:
    """Value the variance at average cost; below ``auto_adjust_limit`` (minor units) it books itself.

    At or above the limit a supervisor must approve, so an exception is raised for the queue. So
    does a loss of more than ``free_qty`` (the stock not allocated to orders, when given), whatever
    its value: stock promised to orders must not vanish on its own.
    """
    if line.counted_qty < 0:
        raise Invalid("count.invalid_quantity", "A count cannot be negative.")
    if unit_cost < 0 or auto_adjust_limit < 0:
        raise Invalid("count.invalid_policy", "Cost and limit must not be negative.")
    variance = line.counted_qty - line.system_qty
    value = variance * unit_cost
    if variance == 0:
        action = CountAction.NONE
    elif abs(value) < auto_adjust_limit and (free_qty is None or -variance <= free_qty):
        action = CountAction.AUTO_ADJUST
    else:
        action = CountAction.NEEDS_APPROVAL
    exception = None
    if action is CountAction.NEEDS_APPROVAL:
        exception = open_exception(
            f"{line.count_id}/variance",
            ExceptionKind.COUNT_VARIANCE,
            warehouse=line.warehouse,
            subject=f"count:{line.count_id}",
            message=(
                f"Count at {line.location}: {line.counted_qty} {line.item} counted, "
                f"{line.system_qty} expected ({value} {currency}); approve or recount."
            ),
            raised_by=counted_by,
            now=now,
            details={
                "location": line.location,
                "item": line.item,
                "lot": line.lot,
                "system_qty": line.system_qty,
                "counted_qty": line.counted_qty,
                "variance_qty": variance,
                "variance_value": value,
                "currency": currency,
            },
        )
    return CountDecision(line, variance, value, currency, action, exception)


@dataclass(frozen=True, slots=True)
class ApprovedAdjustment:
    count_id: str
    location: str
    item: str
    lot: str | None
    qty_delta: int
    approved_by: str | None  # None for an automatic adjustment
    approved_at: datetime


def adjustment_for(decision: CountDecision, *, approver: str | None, now: datetime) -> ApprovedAdjustment | None:
    """The stock adjustment to book, or None when there is nothing to book.

    An automatic decision needs no approver; one above the limit refuses to book without one.
    """
    if decision.action is CountAction.NONE:
        return None
    if decision.action is CountAction.NEEDS_APPROVAL and not approver:
        raise Forbidden(
            "count.approval_required",
            f"A variance of {decision.variance_value} {decision.currency} needs a supervisor's approval.",
            count=decision.line.count_id,
        )
    line = decision.line
    return ApprovedAdjustment(
        count_id=line.count_id,
        location=line.location,
        item=line.item,
        lot=line.lot,
        qty_delta=decision.variance_qty,
        approved_by=approver,
        approved_at=now,
    )


@dataclass(frozen=True, slots=True)
class CountCandidate:
    location: str
    item: str
    abc_class: str
    last_counted_on: date | None


def next_count_date(candidate: CountCandidate, *, intervals: Mapping[str, int] = DEFAULT_INTERVALS) -> date | None:
    """When the candidate is next due; None means never counted, so due now."""
    if candidate.last_counted_on is None:
        return None
    try:
        days = intervals[candidate.abc_class]
    except KeyError:
        raise Invalid("count.unknown_class", f"No count interval for class {candidate.abc_class}.") from None
    return date.fromordinal(candidate.last_counted_on.toordinal() + days)


def due_counts(
    candidates: Iterable[CountCandidate],
    *,
    today: date,
    intervals: Mapping[str, int] = DEFAULT_INTERVALS,
    limit: int | None = None,
) -> tuple[CountCandidate, ...]:
    """Candidates due on or before ``today``, the never-counted and most overdue first."""
    due: list[tuple[int, CountCandidate]] = []
    for c in candidates:
        when = next_count_date(c, intervals=intervals)
        if when is None or when <= today:
            overdue = (today - when).days if when is not None else 1 << 30
            due.append((overdue, c))
    due.sort(key=lambda pair: (-pair[0], pair[1].abc_class, pair[1].location, pair[1].item))
    chosen = [c for _, c in due]
    return tuple(chosen[:limit] if limit is not None else chosen)
