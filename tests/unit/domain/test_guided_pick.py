from __future__ import annotations

from dataclasses import replace

from domain.guided import Scan, Work
from domain.guided.pick import Closed, PickFlow, Step
from domain.tasks import TaskKind, TaskState
from tests.unit.domain.guided_support import in_progress, refused, walk

FLOW = PickFlow()
AT_BIN = [Scan("A-01"), Scan("SKU-1")]


def pick(*, lot: str | None = None, tote: str | None = "T1", lot_tracked: bool = False, qty_done: int = 0) -> Work:
    task = replace(in_progress(TaskKind.PICK, lot=lot, tote=tote, order_id="SO1"), qty_done=qty_done)
    return Work(task, "Widget 10mm", lot_tracked)


def test_first_prompt_asks_for_the_location_with_everything_the_picker_needs() -> None:
    prompt = FLOW.next_prompt(pick(lot="L1", lot_tracked=True), ())
    assert prompt.step is Step.LOCATION and not isinstance(prompt, Closed)
    assert (prompt.location, prompt.sku, prompt.description) == ("A-01", "SKU-1", "Widget 10mm")
    assert (prompt.lot, prompt.lot_required, prompt.qty_expected, prompt.tote) == ("L1", True, 5, "T1")


def test_guided_pick_walks_location_item_quantity_tote_then_done() -> None:
    work, scans = pick(), [*AT_BIN, Scan(qty=5), Scan("T1")]
    steps = [FLOW.next_prompt(work, walk(FLOW, work, scans[:n]).marks if n else ()).step for n in range(4)]
    assert steps == [Step.LOCATION, Step.ITEM, Step.QUANTITY, Step.TOTE]
    done = walk(FLOW, work, scans)
    assert done.prompt.step is Step.DONE
    assert done.done is not None and (done.done.qty, done.done.short) == (5, False)


def test_only_the_last_scan_finishes_the_pick() -> None:
    assert walk(FLOW, pick(), [*AT_BIN, Scan(qty=5)]).done is None


def test_scanning_the_wrong_location_is_refused_naming_both_bins() -> None:
    error = refused(FLOW, pick(), [], Scan("A-02"))
    assert error.code == "scan.wrong_location"
    assert error.details == {"expected": "A-01", "scanned": "A-02"}


def test_scanning_the_wrong_item_is_refused() -> None:
    assert refused(FLOW, pick(), [Scan("A-01")], Scan("SKU-2")).code == "scan.wrong_item"


def test_lot_tracked_item_without_a_lot_is_refused() -> None:
    assert refused(FLOW, pick(lot="L1", lot_tracked=True), [Scan("A-01")], Scan("SKU-1")).code == "scan.lot_required"


def test_lot_tracked_item_with_another_lot_is_refused() -> None:
    work = pick(lot="L1", lot_tracked=True)
    assert refused(FLOW, work, [Scan("A-01")], Scan("SKU-1", lot="L2")).code == "scan.wrong_lot"


def test_lot_tracked_item_with_the_allocated_lot_moves_on_to_quantity() -> None:
    accepted = walk(FLOW, pick(lot="L1", lot_tracked=True), [Scan("A-01"), Scan("SKU-1", lot="L1")])
    assert accepted.prompt.step is Step.QUANTITY


def test_picking_more_than_the_task_asks_is_refused() -> None:
    assert refused(FLOW, pick(), AT_BIN, Scan(qty=6)).code == "pick.qty_exceeds_task"
    assert refused(FLOW, pick(), AT_BIN, Scan(qty=-1)).code == "pick.qty_invalid"
    assert refused(FLOW, pick(), AT_BIN, Scan()).code == "pick.qty_invalid"


def test_scanning_the_wrong_tote_is_refused() -> None:
    assert refused(FLOW, pick(), [*AT_BIN, Scan(qty=5)], Scan("T9")).code == "scan.wrong_tote"


def test_a_pick_of_zero_or_without_a_tote_skips_the_tote_step() -> None:
    nothing = walk(FLOW, pick(), [*AT_BIN, Scan(qty=0)])
    assert nothing.prompt.step is Step.DONE
    assert nothing.done is not None and (nothing.done.qty, nothing.done.short) == (0, True)
    assert walk(FLOW, pick(tote=None), [*AT_BIN, Scan(qty=5)]).prompt.step is Step.DONE


def test_a_partly_done_task_expects_only_the_rest() -> None:
    work = pick(qty_done=3)
    assert FLOW.next_prompt(work, ()).qty_expected == 2
    assert refused(FLOW, work, AT_BIN, Scan(qty=3)).code == "pick.qty_exceeds_task"


def test_less_than_asked_finishes_as_a_short_pick() -> None:
    short = walk(FLOW, pick(), [*AT_BIN, Scan(qty=2), Scan("T1")])
    assert short.done is not None and (short.done.qty, short.done.short) == (2, True)


def test_a_task_no_longer_worked_asks_for_nothing() -> None:
    work = pick()
    done = Work(replace(work.task, state=TaskState.DONE))
    assert FLOW.next_prompt(done, walk(FLOW, work, AT_BIN).marks) == Closed(work.task.id)


def test_the_marks_kept_replay_to_the_same_step() -> None:
    work = pick()
    marks = walk(FLOW, work, [*AT_BIN, Scan(qty=4)]).marks
    assert [m.step for m in marks] == ["location", "item", "quantity"]
    prompt = FLOW.next_prompt(work, marks)
    assert (prompt.step, prompt.qty_picked) == (Step.TOTE, 4)
