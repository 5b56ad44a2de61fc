"""Where a floor worker says it is: which messages the gateway takes, and which it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from realtime.presence import parse_at
from realtime.topics import TopicError, Viewer

PICKER = Viewer(user_id=1, username="picker1", roles=frozenset({"picker"}), warehouses=frozenset({"WH1"}))
REP = Viewer(user_id=2, username="rep1", roles=frozenset({"sales_rep"}), warehouses=frozenset({"WH1"}))


def at(**fields: Any) -> dict[str, Any]:
    return {"op": "at", "warehouse": "WH1", "task": "P-1", "location": "WH1-A01-01-1"} | fields


def test_a_floor_worker_at_a_bin_of_a_followed_warehouse_is_taken() -> None:
    warehouse, place = parse_at(at(), PICKER, {"WH1"})
    assert warehouse == "WH1"
    assert place is not None and (place["task"], place["location"]) == ("P-1", "WH1-A01-01-1")
    assert place["since"] > 0


def test_leaving_the_bin_clears_the_place() -> None:
    assert parse_at(at(task=None, location=None), PICKER, {"WH1"}) == ("WH1", None)


@pytest.mark.parametrize(
    ("message", "viewer", "code"),
    [
        (at(warehouse="WH2"), PICKER, "at.unknown_warehouse"),
        (at(warehouse=None), PICKER, "at.unknown_warehouse"),
        (at(), REP, "at.forbidden"),
        (at(task=["P-1"]), PICKER, "at.invalid"),
        (at(location=""), PICKER, "at.invalid"),
        (at(location="X" * 65), PICKER, "at.invalid"),
    ],
)
def test_other_messages_are_refused_with_a_code(message: dict[str, Any], viewer: Viewer, code: str) -> None:
    with pytest.raises(TopicError) as refused:
        parse_at(message, viewer, {"WH1"})
    assert refused.value.code == code
