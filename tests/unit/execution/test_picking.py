from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.errors import DomainError
from domain.exception_queue import ExceptionKind
from domain.picking import (
    PickItem,
    Scan,
    Step,
    accept_scan,
    decide_short_pick,
    needs_zero_check,
    next_prompt,
)
from domain.tasks import Spot, Task, TaskKind, TaskState, claim, start

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ITEM = PickItem("SKU-1", "Widget 10mm", lot_tracked=False)
LOT_ITEM = PickItem("SKU-1", "Widget 10mm", lot_tracked=True)


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


def refused(task: Task, item: PickItem, scans: list[Scan], scan: Scan) -> str:
    with pytest.raises(DomainError) as err:
        accept_scan(task, item, scans, scan)
    return err.value.code


def test_first_prompt_asks_for_the_location_with_everything_the_picker_needs() -> None:
    prompt = next_prompt(pick_task(lot="L1"), LOT_ITEM, [])
    assert prompt.step is Step.LOCATION
    assert (prompt.location, prompt.sku, prompt.description) == ("A-01", "SKU-1", "Widget 10mm")
    assert (prompt.lot, prompt.lot_required, prompt.qty_expected, prompt.tote) == ("L1", True, 5, "T1")


def test_guided_pick_walks_location_item_quantity_tote_then_done() -> None:
    task, scans = pick_task(), [Scan("A-01"), Scan("SKU-1"), Scan(qty=5)]
    steps = [next_prompt(task, ITEM, scans[:n]).step for n in range(4)]
    assert steps == [Step.LOCATION, Step.ITEM, Step.QUANTITY, Step.TOTE]
    done = accept_scan(task, ITEM, scans, Scan("T1"))
    assert done.step is Step.DONE
    assert done.qty_picked == 5


def test_scanning_the_wrong_location_is_refused() -> None:
    assert refused(pick_task(), ITEM, [], Scan("A-02")) == "scan.wrong_location"


def test_scanning_the_wrong_item_is_refused() -> None:
    assert refused(pick_task(), ITEM, [Scan("A-01")], Scan("SKU-2")) == "scan.wrong_item"


def test_lot_tracked_item_without_a_lot_is_refused() -> None:
    assert refused(pick_task(lot="L1"), LOT_ITEM, [Scan("A-01")], Scan("SKU-1")) == "scan.lot_required"


def test_lot_tracked_item_with_another_lot_is_refused() -> None:
    assert refused(pick_task(lot="L1"), LOT_ITEM, [Scan("A-01")], Scan("SKU-1", lot="L2")) == "scan.wrong_lot"


def test_lot_tracked_item_with_the_allocated_lot_moves_on_to_quantity() -> None:
    prompt = accept_scan(pick_task(lot="L1"), LOT_ITEM, [Scan("A-01")], Scan("SKU-1", lot="L1"))
    assert prompt.step is Step.QUANTITY


def test_picking_more_than_the_task_asks_is_refused() -> None:
    scans = [Scan("A-01"), Scan("SKU-1")]
    assert refused(pick_task(), ITEM, scans, Scan(qty=6)) == "pick.qty_exceeds_task"
    assert refused(pick_task(), ITEM, scans, Scan(qty=-1)) == "pick.qty_invalid"


def test_scanning_the_wrong_tote_is_refused() -> None:
    scans = [Scan("A-01"), Scan("SKU-1"), Scan(qty=5)]
    assert refused(pick_task(), ITEM, scans, Scan("T9")) == "scan.wrong_tote"


def test_a_pick_of_zero_or_without_a_tote_skips_the_tote_step() -> None:
    assert accept_scan(pick_task(), ITEM, [Scan("A-01"), Scan("SKU-1")], Scan(qty=0)).step is Step.DONE
    no_tote = pick_task(tote=None)
    assert accept_scan(no_tote, ITEM, [Scan("A-01"), Scan("SKU-1")], Scan(qty=5)).step is Step.DONE


def test_a_partly_done_task_expects_only_the_rest() -> None:
    task = replace(pick_task(), qty_done=3)
    assert next_prompt(task, ITEM, []).qty_expected == 2
    assert refused(task, ITEM, [Scan("A-01"), Scan("SKU-1")], Scan(qty=3)) == "pick.qty_exceeds_task"


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
