"""A whole pick line checked at once, with the guided flow's rules and codes."""

from __future__ import annotations

import pytest

from domain.errors import Conflict, DomainError, Invalid
from domain.guided.base import Scan, Work
from domain.orders import OrderStatus
from domain.pick_line import LineScans, order_steps, take_allocations, verify_line
from domain.replenishment import PickFace, needs_replenishment
from domain.tasks import Spot, Task, TaskKind, TaskState

BIN = Spot("WH1-A01-01-1", "A")
TASK = Task(
    "P-1", TaskKind.PICK, "WH1", BIN, item="SKU-1", lot="L1", qty=5, state=TaskState.IN_PROGRESS, tote="TOTE-7"
)
WORK = Work(TASK, "Milk", lot_tracked=True)


def scans(**changes: object) -> LineScans:
    parts: dict[str, object] = {
        "location": Scan("WH1-A01-01-1"),
        "item": Scan("SKU-1", "L1"),
        "qty": 5,
        "tote": Scan("TOTE-7"),
    }
    return LineScans(**(parts | changes))  # type: ignore[arg-type]


def code_of(line: LineScans, work: Work = WORK) -> str:
    with pytest.raises(DomainError) as refused:
        verify_line(work, line)
    return refused.value.code


def test_a_right_line_is_accepted_with_its_scans_in_guided_order() -> None:
    accepted = verify_line(WORK, scans())
    assert [(m.step, m.value) for m in accepted] == [
        ("location", "WH1-A01-01-1"), ("item", "SKU-1"), ("quantity", ""), ("tote", "TOTE-7")
    ]
    assert accepted[2].qty == 5


def test_each_wrong_scan_is_refused_with_the_guided_code() -> None:
    assert code_of(scans(location=Scan("WH1-A01-02-1"))) == "scan.wrong_location"
    assert code_of(scans(item=Scan("SKU-2", "L1"))) == "scan.wrong_item"
    assert code_of(scans(item=Scan("SKU-1"))) == "scan.lot_required"
    assert code_of(scans(item=Scan("SKU-1", "L2"))) == "scan.wrong_lot"
    assert code_of(scans(qty=6)) == "pick.qty_exceeds_task"
    assert code_of(scans(qty=-1)) == "pick.qty_invalid"
    assert code_of(scans(tote=Scan("TOTE-8"))) == "scan.wrong_tote"
    assert code_of(scans(tote=None)) == "scan.empty"


def test_the_first_wrong_scan_of_the_line_is_the_one_reported() -> None:
    unreadable = Invalid("scan.unrecognised", "Barcode not recognised")
    assert code_of(scans(location=Scan("WH1-A01-02-1"), item=unreadable)) == "scan.wrong_location"
    assert code_of(scans(item=unreadable, qty=99)) == "scan.unrecognised"


def test_nothing_picked_needs_no_tote_and_a_task_without_tote_ignores_one() -> None:
    assert len(verify_line(WORK, scans(qty=0, tote=None))) == 3
    no_tote = Task("P-2", TaskKind.PICK, "WH1", BIN, item="SKU-1", lot="L1", qty=5, state=TaskState.IN_PROGRESS)
    assert len(verify_line(Work(no_tote, lot_tracked=True), scans(tote=None))) == 3


def test_a_task_no_longer_worked_takes_no_line() -> None:
    done = Task("P-3", TaskKind.PICK, "WH1", BIN, item="SKU-1", qty=5, state=TaskState.DONE)
    assert code_of(scans(), Work(done)) == "pick.already_complete"


def test_a_task_of_another_kind_is_not_a_pick_line() -> None:
    count = Task("C-1", TaskKind.COUNT, "WH1", BIN, item="SKU-1")
    assert code_of(scans(), Work(count)) == "task.not_guided"


def test_an_order_starts_picking_with_its_first_line_and_is_picked_with_its_last() -> None:
    assert order_steps(OrderStatus.RELEASED, open_picks_left=2) == [OrderStatus.PICKING]
    assert order_steps(OrderStatus.PICKING, open_picks_left=1) == []
    assert order_steps(OrderStatus.PICKING, open_picks_left=0) == [OrderStatus.PICKED]
    assert order_steps(OrderStatus.RELEASED, open_picks_left=0) == [OrderStatus.PICKING, OrderStatus.PICKED]


def test_an_order_that_may_not_be_picked_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        order_steps(OrderStatus.CANCELLED, open_picks_left=0)
    assert refused.value.code == "order.invalid_transition"


def test_picked_units_take_allocation_rows_oldest_first_splitting_at_most_one() -> None:
    whole = take_allocations([(1, 2), (2, 3)], 5)
    assert (whole.moved, whole.split, whole.missing) == ((1, 2), None, 0)
    split = take_allocations([(1, 2), (2, 3)], 4)
    assert (split.moved, split.split, split.split_qty) == ((1,), 2, 2)
    short = take_allocations([(1, 2)], 3)
    assert (short.moved, short.missing) == ((1,), 1)


def test_a_face_needs_replenishment_below_min_or_short_of_its_pending_picks_with_room_left() -> None:
    face = PickFace("WH1", BIN, "SKU-1", min_qty=10, max_qty=50, on_hand=12, inbound_qty=0)
    assert not needs_replenishment(face)
    assert needs_replenishment(face, demand_qty=13)
    assert needs_replenishment(PickFace("WH1", BIN, "SKU-1", 10, 50, on_hand=4, inbound_qty=5))
    assert not needs_replenishment(PickFace("WH1", BIN, "SKU-1", 10, 50, on_hand=4, inbound_qty=6))
    assert not needs_replenishment(PickFace("WH1", BIN, "SKU-1", 10, 50, on_hand=50), demand_qty=60)

