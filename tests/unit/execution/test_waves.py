from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import DomainError
from domain.tasks import Spot, TaskKind
from domain.waves import (
    PickLine,
    WaveOrder,
    build_clusters,
    generate_pick_tasks,
    plan_wave,
    select_orders,
    sequence_picks,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def spot(code: str, *, x: int, y: int = 0, zone: str = "A", seq: int = 0) -> Spot:
    return Spot(code, zone, x, y, seq)


def order(
    order_id: str,
    *picks: PickLine,
    status: str = "allocated",
    priority: int = 50,
    cutoff_hours: int = 4,
) -> WaveOrder:
    return WaveOrder(
        order_id=order_id,
        warehouse="W1",
        status=status,
        priority=priority,
        carrier="DHL",
        carrier_cutoff=NOW + timedelta(hours=cutoff_hours),
        picks=picks,
    )


def pick(order_id: str, line_no: int, location: Spot, qty: int = 1, lot: str | None = None) -> PickLine:
    return PickLine(order_id, line_no, location, "SKU-1", qty, lot)


def test_select_orders_keeps_only_allocated_orders_matching_every_filter() -> None:
    a = spot("A-1", x=1)
    b = spot("B-1", x=1, zone="B")
    orders = [
        order("late", pick("late", 1, a), cutoff_hours=10),
        order("low", pick("low", 1, a), priority=10),
        order("zone-b", pick("zone-b", 1, b)),
        order("new", pick("new", 1, a), status="new"),
        order("ok", pick("ok", 1, a)),
    ]
    chosen = select_orders(orders, cutoff_before=NOW + timedelta(hours=6), min_priority=20, zone="A")
    assert [o.order_id for o in chosen] == ["ok"]


def test_select_orders_puts_earliest_cutoff_then_highest_priority_first() -> None:
    a = spot("A-1", x=1)
    orders = [
        order("later", pick("later", 1, a), cutoff_hours=5),
        order("soon-low", pick("soon-low", 1, a), cutoff_hours=2, priority=10),
        order("soon-high", pick("soon-high", 1, a), cutoff_hours=2, priority=90),
    ]
    assert [o.order_id for o in select_orders(orders, max_orders=2)] == ["soon-high", "soon-low"]


def test_pick_tasks_are_one_per_order_line_and_location_with_stable_ids() -> None:
    a, b = spot("A-1", x=1), spot("A-2", x=2)
    o = order("SO1", pick("SO1", 1, a, 2), pick("SO1", 1, a, 3), pick("SO1", 1, b, 1), pick("SO1", 2, a, 4))
    tasks = generate_pick_tasks([o], wave_id="W-1", now=NOW)
    assert sorted((t.order_line, t.location.code, t.qty) for t in tasks) == [
        (1, "A-1", 5),
        (1, "A-2", 1),
        (2, "A-1", 4),
    ]
    assert all(t.kind is TaskKind.PICK and t.wave_id == "W-1" for t in tasks)
    assert tasks == generate_pick_tasks([o], wave_id="W-1", now=NOW)


def test_pick_tasks_for_a_zone_wave_cover_only_that_zone() -> None:
    o = order("SO1", pick("SO1", 1, spot("A-1", x=1)), pick("SO1", 2, spot("B-1", x=1, zone="B")))
    tasks = generate_pick_tasks([o], wave_id="W", now=NOW, zone="B")
    assert [t.location.code for t in tasks] == ["B-1"]


def test_clusters_hold_at_most_max_orders_with_one_tote_per_order() -> None:
    orders = [order(f"SO{i}", pick(f"SO{i}", 1, spot(f"A-{i}", x=i))) for i in range(5)]
    tasks = generate_pick_tasks(orders, wave_id="W", now=NOW)
    clusters = build_clusters(tasks, wave_id="W", totes=[f"T{i}" for i in range(5)], max_orders=2)
    assert [c.order_ids for c in clusters] == [("SO0", "SO1"), ("SO2", "SO3"), ("SO4",)]
    totes = {t.order_id: t.tote for c in clusters for t in c.tasks}
    assert totes == {"SO0": "T0", "SO1": "T1", "SO2": "T2", "SO3": "T3", "SO4": "T4"}
    assert all(t.cluster_id == c.id for c in clusters for t in c.tasks)


def test_clusters_refuse_a_wave_with_too_few_or_duplicate_totes() -> None:
    orders = [order(f"SO{i}", pick(f"SO{i}", 1, spot("A-1", x=1))) for i in range(3)]
    tasks = generate_pick_tasks(orders, wave_id="W", now=NOW)
    with pytest.raises(DomainError) as err:
        build_clusters(tasks, wave_id="W", totes=["T1", "T2"], max_orders=3)
    assert err.value.code == "wave.not_enough_totes"
    with pytest.raises(DomainError) as err:
        build_clusters(tasks, wave_id="W", totes=["T1", "T1", "T2"], max_orders=3)
    assert err.value.code == "wave.duplicate_tote"


def test_picks_follow_pick_sequence_before_distance() -> None:
    tasks = generate_pick_tasks(
        [order("SO", pick("SO", 1, spot("Z-9", x=90, seq=1)), pick("SO", 2, spot("A-1", x=1, seq=2)))],
        wave_id="W",
        now=NOW,
    )
    walked = sequence_picks(tasks)
    assert [t.location.code for t in walked] == ["Z-9", "A-1"]
    assert [t.sequence for t in walked] == [1, 2]


def test_picks_without_sequence_walk_nearest_neighbour_not_alphabetically() -> None:
    # two aisles at y=0 and y=10; alphabetical order would zig-zag between them
    codes = {
        "A-01": (0, 0),
        "B-01": (0, 10),
        "A-02": (5, 0),
        "B-02": (5, 10),
        "A-03": (10, 0),
        "B-03": (10, 10),
    }
    picks = [pick("SO", n, spot(code, x=x, y=y)) for n, (code, (x, y)) in enumerate(codes.items(), 1)]
    tasks = generate_pick_tasks([order("SO", *picks)], wave_id="W", now=NOW)
    walked = sequence_picks(tasks, start=spot("DOCK", x=0, y=-1))
    assert [t.location.code for t in walked] == ["A-01", "A-02", "A-03", "B-03", "B-02", "B-01"]


def test_plan_wave_selects_generates_and_clusters_in_one_decision() -> None:
    orders = [order(f"SO{i}", pick(f"SO{i}", 1, spot(f"A-{i}", x=i))) for i in range(3)]
    plan = plan_wave(orders, wave_id="W", now=NOW, totes=["T1", "T2", "T3"], max_orders_per_cluster=2)
    assert plan.order_ids == ("SO0", "SO1", "SO2")
    assert len(plan.clusters) == 2
    assert len(plan.tasks) == 3


def test_plan_wave_with_no_matching_orders_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        plan_wave([], wave_id="W", now=NOW, totes=[], max_orders_per_cluster=2)
    assert err.value.code == "wave.no_orders"
