"""What the supervisor's board follows besides tasks: waves, exceptions, approvals, locations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import Event
from domain.events.topics import BOARD, EXCEPTIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class WaveReleased(Event):
    """Emitted when a supervisor releases a wave. ``entity_id`` is the wave id; ``data`` holds the
    orders, the clusters with their totes, every pick task created (as ``task.*`` shows a task), who
    released it and ``version`` 1."""

    type: ClassVar[str] = "wave.released"
    entity: ClassVar[str] = "wave"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD})


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionEvent(Event):
    """An exception changed: supervisors see it on the board and in the exception queue."""

    entity: ClassVar[str] = "exception"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD, EXCEPTIONS})


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRaised(ExceptionEvent):
    """Emitted when something needs a person (short pick, count variance, damaged receipt, a failing
    webhook...). ``entity_id`` is the exception id; ``data`` holds its kind, subject, message, details,
    state, who raised it and when, and version."""

    type: ClassVar[str] = "exception.raised"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionAcknowledged(ExceptionEvent):
    """Emitted when a supervisor takes an exception on; ``data`` is the exception as in
    ``exception.raised``, now acknowledged, with who and when."""

    type: ClassVar[str] = "exception.acknowledged"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionResolved(ExceptionEvent):
    """Emitted when an exception is resolved; ``data`` is the exception as in ``exception.raised``,
    now resolved, with the resolution, who and when."""

    type: ClassVar[str] = "exception.resolved"


@dataclass(frozen=True, slots=True, kw_only=True)
class _ApprovalEvent(Event):
    """An approval changed: supervisors see it on the board."""

    entity: ClassVar[str] = "approval"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD})


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequested(_ApprovalEvent):
    """Emitted when a count variance needs a supervisor's decision. ``entity_id`` is the approval id;
    ``data`` holds its kind, subject, exception, details (counted, expected, value), who asked and when,
    and ``version`` 1."""

    type: ClassVar[str] = "approval.requested"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalDecided(_ApprovalEvent):
    """Emitted when a supervisor approves or rejects a variance; ``data`` is the approval as in
    ``approval.requested`` with the decision, who decided, when, the resolution and ``version`` 2."""

    type: ClassVar[str] = "approval.decided"


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationCreated(Event):
    """Emitted when a location is created. ``entity_id`` is its code; ``data`` holds the warehouse and
    the location as its read returns it (zone, kind, coordinates, pick sequence)."""

    type: ClassVar[str] = "location.created"
    entity: ClassVar[str] = "location"
    topics: ClassVar[frozenset[str]] = frozenset({BOARD})
