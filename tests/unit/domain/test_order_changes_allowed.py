"""What a rep may still do with an order, by status: the flags screens show match the commands' rules."""

import pytest

from domain.orders import ALLOCATABLE, DEALLOCATABLE, OrderStatus, allowed_changes, can_transition

S = OrderStatus


@pytest.mark.parametrize(
    ("status", "change", "cancel"),
    [
        (S.DRAFT, True, True),
        (S.ON_HOLD, True, True),
        (S.ALLOCATED, True, True),
        (S.PARTIALLY_ALLOCATED, True, True),
        (S.BACKORDERED, True, True),
        (S.RELEASED, False, True),
        (S.PICKING, False, False),
        (S.PICKED, False, False),
        (S.SHIPPED, False, False),
        (S.CANCELLED, False, False),
    ],
)
def test_lines_change_until_the_floor_has_the_order_and_cancelling_until_picking_starts(status, change, cancel):
    assert allowed_changes(status) == {"can_change": change, "can_cancel": cancel}


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_flags_are_the_rules_the_change_and_cancel_commands_check(status):
    flags = allowed_changes(status)
    assert flags["can_change"] == (status in ALLOCATABLE | DEALLOCATABLE)
    assert flags["can_cancel"] == can_transition(status, S.CANCELLED)
