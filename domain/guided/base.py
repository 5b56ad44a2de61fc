"""What every guided flow shares: the work, a decoded scan, the steps accepted so far, and the checks.

A flow is pure: the server decodes a barcode into a ``Scan`` (GS1 parsing and GTIN lookup need the
item master), hands the flow the task with the ``Mark`` of every step accepted so far, and applies
what the flow answers. The marks are all the progress there is, so the same marks always land on
the same step: an offline queue replayed later is judged exactly as it was scanned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from domain.errors import DomainError, Rejected
from domain.tasks import ACTIVE_STATES, Task, TaskKind, TaskState


@dataclass(frozen=True, slots=True)
class Work:
    """The task being worked and the facts about it a flow needs, loaded once per scan."""

    task: Task
    description: str = ""
    lot_tracked: bool = False  # the task's item needs its lot
    free_at_source: int | None = None  # stock free to take at the task's bin, when the step needs it

    @property
    def active(self) -> bool:
        return self.task.state in ACTIVE_STATES

    @property
    def remaining(self) -> int:
        return self.task.qty - self.task.qty_done


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan as decoded for the step it answers.

    ``value`` is a location code, a SKU, a tote or a lot label; an item scan also carries its
    ``lot``, unit ``factor``, whether the scanned item is lot tracked, and the label's expiry (ISO);
    a quantity step sends ``qty`` (and ``value`` only when a barcode was sent instead).
    """

    value: str = ""
    lot: str | None = None
    qty: int | None = None
    factor: int = 1
    lot_tracked: bool = False
    expiry: str | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """One accepted step, kept with the task between scans."""

    step: str
    value: str = ""
    lot: str | None = None
    qty: int | None = None
    factor: int = 1
    expiry: str | None = None
    needs_lot: bool = False  # a count: the item scanned is lot tracked and its label had no lot
    pending: bool = False  # a putaway: another bin than suggested, waiting for its confirming re-scan
    overridden: bool = False  # a putaway: the stock went elsewhere than suggested


@dataclass(frozen=True, slots=True)
class Done:
    """The task's work is complete: what the server now carries out (the stock moved or picked)."""

    qty: int
    short: bool  # less than the task asked for
    to_location: str | None = None


class Prompt(Protocol):
    """What a handheld shows: a dataclass whose fields are the answer, ``step`` first."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def step(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    """A scan the flow accepted: the marks to keep, the next prompt, and ``done`` when the work is complete."""

    marks: tuple[Mark, ...]
    prompt: Prompt
    done: Done | None = None


class GuidedFlow(Protocol):
    """One kind of guided task: what to ask for next, and whether a scan is accepted.

    ``restarts_when_resumed``: a task taken up again by someone (a lapsed lease, a reassignment)
    starts over from its first step instead of keeping the previous holder's scans.
    """

    kind: TaskKind
    restarts_when_resumed: bool

    def next_prompt(self, work: Work, marks: Sequence[Mark]) -> Prompt:
        """What the handheld should ask for, given the steps accepted so far (any task state)."""
        ...

    def accept(self, work: Work, marks: Sequence[Mark], scan: Scan) -> Accepted:
        """Judge ``scan`` at the step the task waits for; raises a ``DomainError`` when it is refused."""
        ...


def resumed(flow: GuidedFlow, task: Task, marks: Sequence[Mark]) -> tuple[Mark, ...]:
    """The marks that still count: none when the flow starts over and the task is not in progress."""
    if flow.restarts_when_resumed and task.state is not TaskState.IN_PROGRESS:
        return ()
    return tuple(marks)


def check_location(expected: str, scanned: str, *, verb: str = "go to") -> None:
    """The scanned bin is the one the step asks for."""
    if scanned != expected:
        raise Rejected(
            "scan.wrong_location", f"Wrong location {scanned}: {verb} {expected}.", expected=expected, scanned=scanned
        )


def check_item(expected: str | None, scanned: str, *, verb: str) -> None:
    """The scanned item is the task's (a task with no item, a whole-bin count, takes any)."""
    if expected is not None and scanned != expected:
        message = f"Wrong item {scanned}: {verb} {expected}."
        raise Rejected("scan.wrong_item", message, expected=expected, scanned=scanned)


def check_lot(expected: str | None, scanned: str | None, *, verb: str) -> None:
    """A lot that was scanned matches the task's lot, when the task names one."""
    if expected and scanned and scanned != expected:
        message = f"Wrong lot {scanned}: {verb} lot {expected}."
        raise Rejected("scan.wrong_lot", message, expected=expected, scanned=scanned)


def check_quantity(
    qty: int | None,
    *,
    most: int,
    missing: Callable[[], DomainError],
    out_of_range: Callable[[int], DomainError],
) -> int:
    """A quantity from 0 to ``most``; each flow words the refusal with its own stable codes."""
    if qty is None:
        raise missing()
    if not 0 <= qty <= most:
        raise out_of_range(qty)
    return qty


def last(marks: Sequence[Mark], step: str) -> Mark | None:
    """The latest mark of ``step``, if any."""
    return next((m for m in reversed(marks) if m.step == step), None)
