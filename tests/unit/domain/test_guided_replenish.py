from __future__ import annotations

from dataclasses import replace

from domain.guided import Scan, Work
from domain.guided.replenish import ReplenishFlow
from domain.tasks import Spot, TaskKind
from tests.unit.domain.guided_support import in_progress, refused, walk

FLOW = ReplenishFlow()
RESERVE, FACE = Spot("R-01", "R"), Spot("F-01", "F")
AT_RESERVE = [Scan("R-01"), Scan("SKU-1")]


def refill(*, free: int | None = None) -> Work:
    task = in_progress(TaskKind.REPLENISH, location=RESERVE, to_location=FACE, qty=10)
    return Work(task, "Widget", False, free_at_source=free)


def test_replenishment_walks_reserve_item_quantity_then_face() -> None:
    work, scans = refill(), [*AT_RESERVE, Scan(qty=10)]
    steps = [FLOW.next_prompt(work, walk(FLOW, work, scans[:n]).marks if n else ()).step for n in range(4)]
    assert steps == ["location", "item", "quantity", "to_location"]
    assert FLOW.next_prompt(work, walk(FLOW, work, scans).marks).taken == 10


def test_the_face_scan_moves_what_was_taken() -> None:
    full = walk(FLOW, refill(), [*AT_RESERVE, Scan(qty=10), Scan("F-01")])
    assert full.done is not None and (full.done.qty, full.done.to_location, full.done.short) == (10, "F-01", False)
    short = walk(FLOW, refill(), [*AT_RESERVE, Scan(qty=6), Scan("F-01")])
    assert short.done is not None and (short.done.qty, short.done.short) == (6, True)


def test_taking_nothing_finishes_at_once_as_short() -> None:
    nothing = walk(FLOW, refill(), [*AT_RESERVE, Scan(qty=0)])
    assert nothing.done is not None
    assert (nothing.done.qty, nothing.done.to_location, nothing.done.short) == (0, None, True)


def test_the_quantity_is_refused_outside_what_is_left_or_free() -> None:
    assert refused(FLOW, refill(), AT_RESERVE, Scan(qty=11)).code == "replenish.qty_out_of_range"
    assert refused(FLOW, refill(), AT_RESERVE, Scan(qty=-1)).code == "replenish.qty_out_of_range"
    assert refused(FLOW, refill(), AT_RESERVE, Scan()).code == "replenish.quantity_required"
    assert refused(FLOW, refill(), AT_RESERVE, Scan("F-01", qty=3)).code == "replenish.quantity_required"
    insufficient = refused(FLOW, refill(free=4), AT_RESERVE, Scan(qty=5))
    assert (insufficient.code, insufficient.details) == ("stock.insufficient", {"free": 4, "qty": 5})


def test_the_wrong_reserve_item_or_face_is_refused() -> None:
    assert refused(FLOW, refill(), [], Scan("F-01")).code == "scan.wrong_location"
    assert refused(FLOW, refill(), AT_RESERVE[:1], Scan("SKU-2")).message == "Wrong item SKU-2: take SKU-1."
    assert refused(FLOW, refill(), [*AT_RESERVE, Scan(qty=3)], Scan("R-01")).details["expected"] == "F-01"


def test_a_partly_done_task_offers_only_the_rest() -> None:
    work = refill()
    work = replace(work, task=replace(work.task, qty_done=7))
    assert FLOW.next_prompt(work, ()).qty == 3
    assert refused(FLOW, work, AT_RESERVE, Scan(qty=4)).code == "replenish.qty_out_of_range"
