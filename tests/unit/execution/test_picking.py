from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import DomainError
from domain.exception_queue import ExceptionKind
from domain.picking import decide_short_pick, needs_zero_check
from domain.tasks import Spot, Task, TaskKind, TaskState, claim, start

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def pick_task(*, lot: str | None = None, tote: str | None = "T1", qty: int = 5) -> Task:
    return Task(
        id="W/SO1/1/A-01",
        kind=TaskKind.PICK,
        warehouse="W1",
        location=Spot("A-01", "A", 1, 0),
        item="SKU-1",
        lot=lot,
        qty=qty,
        order_id="SO1",
        tote=tote,
    )


def test_short_pick_raises_exception_and_creates_count_task() -> None:
    task = start(claim(pick_task(), "ann", now=NOW), "ann", now=NOW)
    decision = decide_short_pick(task, picked=3, system_on_hand=5, location_on_hand=9, reported_by="ann", now=NOW)
    assert decision.remainder == 2
    assert decision.task.state is TaskState.EXCEPTION
    assert decision.task.qty_done == 3
    assert decision.exception.kind is ExceptionKind.SHORT_PICK
    assert decision.exception.details["remainder"] == 2
    count = decision.count_task
    assert (count.kind, count.location.code, count.item, count.qty) == (TaskKind.COUNT, "A-01", "SKU-1", 2)
    assert decision.zero_check is False


def test_short_pick_that_empties_the_location_asks_for_a_zero_check() -> None:
    task = start(claim(pick_task(), "ann", now=NOW), "ann", now=NOW)
    decision = decide_short_pick(task, picked=0, system_on_hand=5, location_on_hand=5, reported_by="ann", now=NOW)
    assert decision.zero_check is True
    assert decision.count_task.reason == "zero_check"


def test_a_full_pick_is_not_a_short_pick() -> None:
    task = start(claim(pick_task(), "ann", now=NOW), "ann", now=NOW)
    with pytest.raises(DomainError) as err:
        decide_short_pick(task, picked=5, system_on_hand=5, location_on_hand=5, reported_by="ann", now=NOW)
    assert err.value.code == "pick.not_short"


def test_a_pick_taking_the_last_recorded_unit_needs_a_zero_check() -> None:
    assert needs_zero_check(system_on_hand=5, picked=5)
    assert not needs_zero_check(system_on_hand=6, picked=5)
