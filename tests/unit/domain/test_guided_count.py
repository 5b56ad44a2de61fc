from __future__ import annotations

from datetime import date

import pytest

from domain.errors import DomainError
from domain.guided import Scan, Work
from domain.guided.count import CountedEntry, CountedQty, CountFlow, check_finish, counted
from domain.tasks import TaskKind
from tests.unit.domain.guided_support import in_progress, refused, walk

FLOW = CountFlow()
CASE = Scan("SKU-1", factor=12)
LOTTED = Scan("SKU-2", lot_tracked=True)


def whole_bin() -> Work:
    return Work(in_progress(TaskKind.COUNT, item=None, qty=0))


def test_a_blind_count_asks_location_then_item_and_quantity_in_base_units() -> None:
    work = whole_bin()
    assert FLOW.next_prompt(work, ()).step == "location"
    after_item = walk(FLOW, work, [Scan("A-01"), CASE])
    prompt = after_item.prompt
    assert (prompt.step, prompt.scanned_sku, prompt.uom_factor, prompt.can_finish) == ("quantity", "SKU-1", 12, False)
    done = walk(FLOW, work, [Scan("A-01"), CASE, Scan(qty=2), Scan("SKU-1"), Scan(qty=3)])
    assert done.prompt.counted == [CountedEntry("SKU-1", None, 27)]
    assert done.prompt.can_finish and done.done is None


def test_a_lot_tracked_item_without_its_lot_asks_for_the_lot() -> None:
    work = whole_bin()
    at_lot = walk(FLOW, work, [Scan("A-01"), LOTTED])
    assert at_lot.prompt.step == "lot"
    counted_lot = walk(FLOW, work, [Scan("A-01"), LOTTED, Scan("L7"), Scan(qty=4)])
    assert counted(counted_lot.marks) == {("SKU-2", "L7"): CountedQty(4)}


def test_the_label_expiry_is_kept_with_what_was_counted() -> None:
    label = Scan("SKU-2", lot="L7", lot_tracked=True, expiry="2026-05-01")
    marks = walk(FLOW, whole_bin(), [Scan("A-01"), label, Scan(qty=1)]).marks
    assert counted(marks) == {("SKU-2", "L7"): CountedQty(1, date(2026, 5, 1))}


def test_a_lot_on_an_item_that_is_not_lot_tracked_is_ignored() -> None:
    marks = walk(FLOW, whole_bin(), [Scan("A-01"), Scan("SKU-1", lot="L1"), Scan(qty=1)]).marks
    assert counted(marks) == {("SKU-1", ""): CountedQty(1)}


def test_a_one_item_count_refuses_other_items_lots_and_bins() -> None:
    work = Work(in_progress(TaskKind.COUNT, item="SKU-2", lot="L7", qty=0), lot_tracked=True)
    assert FLOW.next_prompt(work, ()).lot_tracked is True
    wrong_bin = refused(FLOW, work, [], Scan("A-02"))
    assert (wrong_bin.code, wrong_bin.message) == ("scan.wrong_location", "Wrong location A-02: count A-01.")
    assert refused(FLOW, work, [Scan("A-01")], CASE).message == "Wrong item SKU-1: this count is for SKU-2."
    assert refused(FLOW, work, [Scan("A-01"), LOTTED], Scan("L8")).code == "scan.wrong_lot"


def test_quantities_are_refused_when_missing_or_beyond_any_bin() -> None:
    at_qty = [Scan("A-01"), CASE]
    assert refused(FLOW, whole_bin(), at_qty, Scan()).code == "count.quantity_required"
    assert refused(FLOW, whole_bin(), at_qty, Scan("SKU-1", qty=1)).code == "count.quantity_required"
    assert refused(FLOW, whole_bin(), at_qty, Scan(qty=-1)).code == "count.invalid_quantity"
    assert refused(FLOW, whole_bin(), at_qty, Scan(qty=10**9 + 1)).code == "count.invalid_quantity"


@pytest.mark.parametrize(
    ("scans", "code"),
    [([], "count.not_started"), ([Scan("A-01"), CASE], "count.quantity_pending")],
)
def test_a_count_finishes_only_after_its_location_with_no_quantity_pending(scans: list[Scan], code: str) -> None:
    marks = walk(FLOW, whole_bin(), scans).marks if scans else ()
    with pytest.raises(DomainError) as err:
        check_finish(marks, location="A-01")
    assert err.value.code == code


def test_an_empty_bin_may_finish_with_nothing_counted() -> None:
    marks = walk(FLOW, whole_bin(), [Scan("A-01")]).marks
    check_finish(marks, location="A-01")
    assert counted(marks) == {}
