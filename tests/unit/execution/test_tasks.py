from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import DomainError
from domain.tasks import (
    TRANSITIONS,
    Priority,
    Spot,
    Task,
    TaskKind,
    TaskState,
    cancel,
    claim,
    complete,
    is_lease_expired,
    mark_exception,
    next_task,
    reassign,
    release_if_expired,
    renew,
    start,
    transition,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def make_task(task_id: str = "T1", *, zone: str = "A", x: int = 0, y: int = 0, priority: int = 50) -> Task:
    return Task(
        id=task_id,
        kind=TaskKind.PICK,
        warehouse="W1",
        location=Spot(f"{zone}-{x}-{y}", zone, x, y),
        item="SKU-1",
        qty=5,
        priority=priority,
        created_at=NOW,
    )


def test_every_state_has_an_explicit_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(TaskState)
    assert TRANSITIONS[TaskState.DONE] == frozenset()
    assert TRANSITIONS[TaskState.CANCELLED] == frozenset()


@pytest.mark.parametrize(
    ("start_state", "to"),
    [
        (TaskState.OPEN, TaskState.DONE),
        (TaskState.OPEN, TaskState.IN_PROGRESS),
        (TaskState.DONE, TaskState.OPEN),
        (TaskState.CANCELLED, TaskState.ASSIGNED),
        (TaskState.ASSIGNED, TaskState.DONE),
    ],
)
def test_transition_outside_the_table_is_refused(start_state: TaskState, to: TaskState) -> None:
    task = replace(make_task(), state=start_state)
    with pytest.raises(DomainError) as err:
        transition(task, to, now=NOW)
    assert err.value.code == "task.invalid_transition"


def test_transition_bumps_version_and_records_time() -> None:
    moved = transition(make_task(), TaskState.ASSIGNED, now=NOW)
    assert moved.version == 2
    assert moved.updated_at == NOW


def test_claim_assigns_the_task_with_a_lease() -> None:
    task = claim(make_task(), "ann", now=NOW, lease=LEASE)
    assert task.state is TaskState.ASSIGNED
    assert task.claimed_by == "ann"
    assert task.lease_expires_at == NOW + LEASE


def test_claim_of_a_task_held_under_a_live_lease_is_refused() -> None:
    task = claim(make_task(), "ann", now=NOW, lease=LEASE)
    with pytest.raises(DomainError) as err:
        claim(task, "bob", now=NOW + timedelta(minutes=1))
    assert err.value.code == "task.already_claimed"


def test_claiming_again_by_the_holder_renews_the_lease() -> None:
    task = claim(make_task(), "ann", now=NOW, lease=LEASE)
    again = claim(task, "ann", now=NOW + timedelta(minutes=3), lease=LEASE)
    assert again.lease_expires_at == NOW + timedelta(minutes=8)
    assert again.state is TaskState.ASSIGNED


def test_task_idle_past_its_lease_is_expired_and_claimable_by_another_worker() -> None:
    task = start(claim(make_task(), "ann", now=NOW, lease=LEASE), "ann", now=NOW, lease=LEASE)
    later = NOW + LEASE
    assert is_lease_expired(task, now=later)
    taken = claim(task, "bob", now=later, lease=LEASE)
    assert taken.claimed_by == "bob"
    assert taken.state is TaskState.ASSIGNED


def test_activity_renews_the_lease_so_a_busy_worker_keeps_the_task() -> None:
    task = start(claim(make_task(), "ann", now=NOW, lease=LEASE), "ann", now=NOW, lease=LEASE)
    task = renew(task, "ann", now=NOW + timedelta(minutes=4), lease=LEASE)
    assert not is_lease_expired(task, now=NOW + timedelta(minutes=6))


def test_sweep_returns_expired_tasks_to_the_open_pool_keeping_progress() -> None:
    task = start(claim(make_task(), "ann", now=NOW, lease=LEASE), "ann", now=NOW, lease=LEASE)
    swept = release_if_expired(task, now=NOW + timedelta(minutes=10))
    assert swept.state is TaskState.OPEN
    assert swept.claimed_by is None
    assert swept.reason == "lease_expired"
    assert release_if_expired(make_task(), now=NOW) == make_task()


def test_supervisor_can_reassign_a_task_under_a_live_lease() -> None:
    task = start(claim(make_task(), "ann", now=NOW, lease=LEASE), "ann", now=NOW, lease=LEASE)
    moved = reassign(task, "bob", supervisor="sue", now=NOW, lease=LEASE)
    assert moved.claimed_by == "bob"
    assert moved.state is TaskState.ASSIGNED
    assert moved.reason == "reassigned by sue"


def test_only_the_holder_can_start_or_complete_a_task() -> None:
    task = claim(make_task(), "ann", now=NOW, lease=LEASE)
    with pytest.raises(DomainError) as err:
        start(task, "bob", now=NOW)
    assert err.value.code == "task.not_claimed_by_worker"
    task = start(task, "ann", now=NOW)
    with pytest.raises(DomainError):
        complete(task, "bob", now=NOW)


def test_completing_records_the_quantity_done() -> None:
    task = start(claim(make_task(), "ann", now=NOW), "ann", now=NOW)
    done = complete(task, "ann", now=NOW)
    assert done.state is TaskState.DONE
    assert done.qty_done == 5
    with pytest.raises(DomainError) as err:
        complete(task, "ann", now=NOW, qty_done=6)
    assert err.value.code == "task.qty_out_of_range"


def test_exception_state_can_be_settled_as_done_or_requeued_but_done_is_final() -> None:
    task = start(claim(make_task(), "ann", now=NOW), "ann", now=NOW)
    parked = mark_exception(task, reason="damaged", now=NOW)
    assert parked.state is TaskState.EXCEPTION
    assert transition(parked, TaskState.OPEN, now=NOW).state is TaskState.OPEN
    done = transition(parked, TaskState.DONE, now=NOW)
    with pytest.raises(DomainError):
        cancel(done, reason="too late", now=NOW)


def test_next_task_prefers_priority_then_distance_from_last_location() -> None:
    far_urgent = make_task("far-urgent", x=50, priority=Priority.URGENT)
    near_normal = make_task("near", x=1)
    far_normal = make_task("far", x=30)
    other_zone = make_task("other-zone", zone="B", priority=Priority.URGENT)
    here = Spot("A-0-0", "A", 0, 0)
    tasks = [near_normal, far_normal, other_zone, far_urgent]
    chosen = next_task(tasks, "ann", zones=["A"], now=NOW, last_location=here)
    assert chosen is not None and chosen.id == "far-urgent"
    chosen = next_task(tasks[:3], "ann", zones=["A"], now=NOW, last_location=Spot("A-29", "A", 29, 0))
    assert chosen is not None and chosen.id == "far"


def test_next_task_returns_what_the_worker_already_holds_first() -> None:
    held = claim(make_task("held", x=99, priority=Priority.LOW), "ann", now=NOW)
    urgent = make_task("urgent", priority=Priority.URGENT)
    chosen = next_task([urgent, held], "ann", zones=["A"], now=NOW)
    assert chosen is not None and chosen.id == "held"


def test_next_task_skips_tasks_held_by_others_until_their_lease_expires() -> None:
    held = claim(make_task("held"), "bob", now=NOW, lease=LEASE)
    assert next_task([held], "ann", zones=["A"], now=NOW) is None
    expired = next_task([held], "ann", zones=["A"], now=NOW + LEASE)
    assert expired is not None and expired.id == "held"
