from __future__ import annotations

from domain.guided import Mark, Scan, Work
from domain.guided.putaway import PutawayFlow
from domain.tasks import Spot, TaskKind
from tests.unit.domain.guided_support import in_progress, refused, walk

FLOW = PutawayFlow()
DOCK, BIN = Spot("DOCK-1", "D"), Spot("B-07", "B")
AT_DOCK = [Scan("DOCK-1"), Scan("SKU-1", lot="L1")]


def putaway(*, lot: str | None = "L1") -> Work:
    return Work(in_progress(TaskKind.PUTAWAY, location=DOCK, to_location=BIN, lot=lot, qty=12), "Widget", True)


def test_putaway_asks_for_the_dock_the_item_then_the_suggested_bin() -> None:
    work = putaway()
    steps = [FLOW.next_prompt(work, walk(FLOW, work, AT_DOCK[:n]).marks if n else ()).step for n in range(3)]
    assert steps == ["location", "item", "to_location"]
    prompt = FLOW.next_prompt(work, ())
    assert (prompt.to_location, prompt.qty, prompt.scanned_location, prompt.lot_required) == ("B-07", 12, None, True)


def test_the_suggested_bin_finishes_the_putaway_with_the_whole_quantity() -> None:
    accepted = walk(FLOW, putaway(), [*AT_DOCK, Scan("B-07")])
    assert accepted.done is not None and (accepted.done.to_location, accepted.done.qty) == ("B-07", 12)
    assert accepted.marks[-1] == Mark("to_location", "B-07")


def test_another_bin_waits_for_a_confirming_rescan() -> None:
    work = putaway()
    first = walk(FLOW, work, [*AT_DOCK, Scan("C-01")])
    assert first.done is None
    assert (first.prompt.step, first.prompt.scanned_location) == ("confirm_location", "C-01")
    confirmed = FLOW.accept(work, first.marks, Scan("C-01"))
    assert confirmed.done is not None and confirmed.done.to_location == "C-01"
    assert confirmed.marks[-1] == Mark("to_location", "C-01", overridden=True)
    assert not any(m.pending for m in confirmed.marks)


def test_a_confirming_scan_of_yet_another_bin_is_refused() -> None:
    assert refused(FLOW, putaway(), [*AT_DOCK, Scan("C-01")], Scan("C-02")).code == "scan.confirmation_mismatch"


def test_the_wrong_dock_item_or_lot_is_refused() -> None:
    assert refused(FLOW, putaway(), [], Scan("DOCK-2")).code == "scan.wrong_location"
    assert refused(FLOW, putaway(), AT_DOCK[:1], Scan("SKU-9")).code == "scan.wrong_item"
    wrong_lot = refused(FLOW, putaway(), AT_DOCK[:1], Scan("SKU-1", lot="L2"))
    assert (wrong_lot.code, wrong_lot.message) == ("scan.wrong_lot", "Wrong lot L2: put away lot L1.")


def test_an_item_label_without_a_lot_is_taken_for_the_tasks_lot() -> None:
    assert walk(FLOW, putaway(), [Scan("DOCK-1"), Scan("SKU-1")]).prompt.step == "to_location"
