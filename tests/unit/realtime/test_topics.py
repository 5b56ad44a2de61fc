"""The my-tasks topic follows the worker whether an event names them by id or by username."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from realtime.envelope import Envelope
from realtime.topics import Viewer, parse_topic

PICKER = Viewer(user_id=7, username="picker1", roles=frozenset({"picker"}), warehouses=frozenset({"WH1"}))


def _task_event(**data: Any) -> Envelope:
    return Envelope("e1", 1, "task.assigned", "WH1", "task", "T1", 1, datetime.now(UTC), data)


def test_my_tasks_matches_the_worker_by_username_or_id_and_no_one_else() -> None:
    topic = parse_topic("my-tasks:WH1", PICKER)
    assert topic.matches(_task_event(assigned_to="picker1"))
    assert topic.matches(_task_event(assigned_to=7))
    assert topic.matches(_task_event(assigned_to="picker2", previous_assigned_to="picker1"))
    assert not topic.matches(_task_event(assigned_to="picker2"))
    assert not topic.matches(_task_event(assigned_to=None))
