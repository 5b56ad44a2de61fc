from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import DomainError
from domain.replenishment import PickFace, ReserveBalance, plan_replenishment, replenishment_tasks
from domain.tasks import Priority, Spot, TaskKind

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
FACE_SPOT = Spot("P-01", "PICK", 0, 0)


def face(on_hand: int, *, inbound: int = 0, code: str = "P-01") -> PickFace:
    return PickFace(
        "W1", Spot(code, "PICK", 0, 0), "SKU-1", min_qty=10, max_qty=50, on_hand=on_hand, inbound_qty=inbound
    )


def reserve(code: str, qty: int, *, x: int = 10, lot: str | None = None, expiry: date | None = None) -> ReserveBalance:
    return ReserveBalance(Spot(code, "RES", x, 0), "SKU-1", qty, lot, expiry)


def test_face_below_min_is_replenished_up_to_max_from_reserve() -> None:
    (task,) = replenishment_tasks(face(4), [reserve("R-1", 100)], now=NOW)
    assert (task.kind, task.location.code, task.to_location, task.qty) == (
        TaskKind.REPLENISH,
        "R-1",
        FACE_SPOT,
        46,
    )
    assert task.priority == Priority.NORMAL


def test_face_at_or_above_min_is_left_alone() -> None:
    assert replenishment_tasks(face(10), [reserve("R-1", 100)], now=NOW) == ()


def test_a_pick_that_would_short_triggers_an_urgent_replenishment() -> None:
    (task,) = replenishment_tasks(face(20), [reserve("R-1", 100)], now=NOW, demand_qty=25)
    assert task.qty == 30
    assert task.priority == Priority.URGENT
    assert task.reason == "would_short"


def test_stock_already_on_its_way_is_not_ordered_twice() -> None:
    assert replenishment_tasks(face(4, inbound=40), [reserve("R-1", 100)], now=NOW) == ()
    (task,) = replenishment_tasks(face(4, inbound=2), [reserve("R-1", 100)], now=NOW)
    assert task.qty == 44


def test_reserves_are_drawn_first_expiry_first_then_nearest() -> None:
    reserves = [
        reserve("R-NEAR", 30, x=1, lot="L2", expiry=date(2025, 9, 1)),
        reserve("R-OLD", 20, x=90, lot="L1", expiry=date(2025, 4, 1)),
        reserve("R-EMPTY", 0, x=0),
    ]
    tasks = replenishment_tasks(face(0), reserves, now=NOW)
    assert [(t.location.code, t.lot, t.qty) for t in tasks] == [("R-OLD", "L1", 20), ("R-NEAR", "L2", 30)]


def test_short_reserve_replenishes_what_there_is() -> None:
    (task,) = replenishment_tasks(face(0), [reserve("R-1", 7)], now=NOW)
    assert task.qty == 7


def test_several_faces_never_share_the_same_reserve_stock() -> None:
    faces = [face(0, code="P-01"), face(0, code="P-02")]
    tasks = plan_replenishment(faces, [reserve("R-1", 60)], now=NOW, demand={"P-02": 5})
    assert [(t.to_location.code if t.to_location else None, t.qty) for t in tasks] == [
        ("P-02", 50),
        ("P-01", 10),
    ]


def test_face_with_min_above_max_is_refused() -> None:
    bad = PickFace("W1", FACE_SPOT, "SKU-1", min_qty=60, max_qty=50, on_hand=0)
    with pytest.raises(DomainError) as err:
        replenishment_tasks(bad, [], now=NOW)
    assert err.value.code == "replenishment.invalid_limits"
