"""The my-tasks topic follows the worker whether an event names them by id or by username."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from realtime.envelope import Envelope
from realtime.topics import TopicError, Viewer, parse_position, parse_skus, parse_topic

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


def test_a_subscribes_skus_and_position_are_checked_for_their_types() -> None:
    assert parse_skus(["A", "B"]) == ["A", "B"] and parse_skus(None) is None
    for bad in ([{}], [["A"]], "A", [1], {"A": 1}):
        with pytest.raises(TopicError) as refused:
            parse_skus(bad)
        assert refused.value.code == "topic.invalid_skus"
    assert parse_position({"epoch": "e", "seq": 3}) == ("e", 3) and parse_position(None) is None
    bad_positions = (
        "now",
        {"epoch": "e", "seq": "3"},
        {"epoch": "e", "seq": 3.0},
        {"epoch": "e", "seq": True},
        {"epoch": "e", "seq": -1},
        {"epoch": 1, "seq": 3},
        [["e", 3]],
    )
    for bad_position in bad_positions:
        with pytest.raises(TopicError) as refused:
            parse_position(bad_position)
        assert refused.value.code == "position.invalid"
