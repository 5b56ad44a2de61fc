from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import DomainError, Forbidden
from domain.guided import FLOWS, WORKERS, Mark, flow_for, may_work, require_worker, resumed
from domain.tasks import TaskKind, TaskState
from tests.unit.domain.guided_support import in_progress

ROLES = ("picker", "receiver", "sales_rep", "supervisor", "admin")


def test_every_guided_kind_is_registered_under_its_own_kind() -> None:
    assert set(FLOWS) == {TaskKind.PICK, TaskKind.PUTAWAY, TaskKind.REPLENISH, TaskKind.COUNT}
    assert all(flow.kind is kind and flow_for(kind) is flow for kind, flow in FLOWS.items())


def test_a_kind_without_a_flow_has_no_guided_scans() -> None:
    with pytest.raises(DomainError) as err:
        flow_for(TaskKind.MOVE)
    assert err.value.code == "task.not_guided"


def test_a_pick_taken_up_again_starts_over_while_other_kinds_keep_their_scans() -> None:
    marks = (Mark("location", "A-01"),)
    for kind, flow in FLOWS.items():
        reassigned = replace(in_progress(kind), state=TaskState.ASSIGNED)
        assert resumed(flow, reassigned, marks) == (() if kind is TaskKind.PICK else marks), kind
        assert resumed(flow, in_progress(kind), marks) == marks


def test_every_task_kind_says_who_works_it_and_admins_work_them_all() -> None:
    assert set(WORKERS) == set(TaskKind)
    assert all(may_work(kind, ["admin"]) for kind in TaskKind)
    assert not any(may_work(kind, ["sales_rep"]) for kind in TaskKind)
    assert not any(may_work(kind, []) for kind in TaskKind)


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (TaskKind.PICK, {"picker", "supervisor", "admin"}),
        (TaskKind.PUTAWAY, {"receiver", "supervisor", "admin"}),
        (TaskKind.REPLENISH, {"picker", "receiver", "supervisor", "admin"}),
        (TaskKind.COUNT, {"picker", "receiver", "supervisor", "admin"}),
    ],
)
def test_the_role_policy_refuses_everyone_else(kind: TaskKind, allowed: set[str]) -> None:
    for role in ROLES:
        if role in allowed:
            require_worker(kind, [role])
        else:
            with pytest.raises(Forbidden) as err:
                require_worker(kind, [role])
            assert err.value.code == "auth.forbidden", role
