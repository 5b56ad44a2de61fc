"""Building tasks in progress and walking a guided flow scan by scan, for the flow tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from domain.errors import DomainError
from domain.guided import Accepted, GuidedFlow, Mark, Scan, Work
from domain.tasks import Spot, Task, TaskKind, claim, start

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def in_progress(kind: TaskKind, **fields: object) -> Task:
    """A task of ``kind`` held and begun by ann (the bin A-01 unless told)."""
    values: dict[str, object] = {"location": Spot("A-01", "A", 1, 0), "item": "SKU-1", "qty": 5, **fields}
    task = Task(id=f"W/{kind}/1", kind=kind, warehouse="W1", **values)
    return start(claim(task, "ann", now=NOW), "ann", now=NOW)


def walk(flow: GuidedFlow, work: Work, scans: Sequence[Scan]) -> Accepted:
    """Accept each scan in turn; the answer to the last one."""
    marks: tuple[Mark, ...] = ()
    accepted = None
    for scan in scans:
        accepted = flow.accept(work, marks, scan)
        marks = accepted.marks
    assert accepted is not None
    return accepted


def refused(flow: GuidedFlow, work: Work, scans: Sequence[Scan], scan: Scan) -> DomainError:
    """The error the flow answers ``scan`` with, after ``scans`` were accepted."""
    marks = walk(flow, work, scans).marks if scans else ()
    with pytest.raises(DomainError) as err:
        flow.accept(work, marks, scan)
    return err.value
