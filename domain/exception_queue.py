"""Exceptions a supervisor must see: what went wrong, on what, and who handled it when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from domain.errors import Conflict, Invalid


class ExceptionKind(StrEnum):
    SHORT_PICK = "short_pick"
    RECEIPT_VARIANCE = "receipt_variance"
    COUNT_VARIANCE = "count_variance"
    CREDIT_HOLD = "credit_hold"
    POSTING_FAILURE = "posting_failure"
    BADGE_LOCKED = "badge_locked"
    WEBHOOK_FAILING = "webhook_failing"


class ExceptionState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


TRANSITIONS: Mapping[ExceptionState, frozenset[ExceptionState]] = {
    ExceptionState.OPEN: frozenset({ExceptionState.ACKNOWLEDGED, ExceptionState.RESOLVED}),
    ExceptionState.ACKNOWLEDGED: frozenset({ExceptionState.RESOLVED}),
    ExceptionState.RESOLVED: frozenset(),
}

Detail = str | int | bool | None


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    id: str
    kind: ExceptionKind
    warehouse: str
    subject: str  # what it is about, "<entity>:<id>", e.g. "task:W1/SO-7/1/A-01-01"
    message: str
    raised_by: str
    raised_at: datetime
    details: Mapping[str, Detail] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    state: ExceptionState = ExceptionState.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    version: int = 1


def open_exception(
    exception_id: str,
    kind: ExceptionKind,
    *,
    warehouse: str,
    subject: str,
    message: str,
    raised_by: str,
    now: datetime,
    details: Mapping[str, Detail] | None = None,
) -> ExceptionRecord:
    """A new open exception; ``details`` are copied so the record cannot change behind our back."""
    return ExceptionRecord(
        id=exception_id,
        kind=kind,
        warehouse=warehouse,
        subject=subject,
        message=message,
        raised_by=raised_by,
        raised_at=now,
        details=MappingProxyType(dict(details or {})),
    )


def _move(record: ExceptionRecord, to: ExceptionState) -> None:
    if to not in TRANSITIONS[record.state]:
        raise Conflict(
            "exception.invalid_transition",
            f"Exception {record.id} is {record.state} and cannot become {to}.",
            exception=record.id,
            state=record.state.value,
            to=to.value,
        )


def acknowledge(record: ExceptionRecord, *, by: str, now: datetime) -> ExceptionRecord:
    """Someone has seen it and is on it."""
    _move(record, ExceptionState.ACKNOWLEDGED)
    return replace(
        record,
        state=ExceptionState.ACKNOWLEDGED,
        acknowledged_by=by,
        acknowledged_at=now,
        version=record.version + 1,
    )


def resolve(record: ExceptionRecord, *, by: str, now: datetime, resolution: str) -> ExceptionRecord:
    """Close the exception with what was done about it."""
    if not resolution.strip():
        raise Invalid("exception.resolution_required", "Say how the exception was resolved.")
    _move(record, ExceptionState.RESOLVED)
    return replace(
        record,
        state=ExceptionState.RESOLVED,
        resolved_by=by,
        resolved_at=now,
        resolution=resolution,
        version=record.version + 1,
    )
