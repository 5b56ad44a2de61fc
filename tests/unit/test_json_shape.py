"""The JSON shape checks that run before any decoder: depth without recursion, lines, quantities."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.json_shape import nesting_exceeds, shape_error

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\ab'), inner, max_size=3),
    max_leaves=20,
)


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(JSON, st.integers(min_value=0, max_value=8))
def test_the_scan_agrees_with_the_real_depth_even_with_brackets_and_escapes_in_strings(
    value: object, limit: int
) -> None:
    assert nesting_exceeds(json.dumps(value).encode(), limit) == (depth(value) > limit)


def test_a_hundred_thousand_openers_are_too_deep_without_recursing() -> None:
    assert nesting_exceeds(b"[" * 100_000, 32)
    assert nesting_exceeds(b'{"a": ' * 100_000, 32)
    assert not nesting_exceeds(b"[]" * 100_000, 1)
    assert not nesting_exceeds(b'["' + b"[" * 100_000 + b'"]', 1)  # text, not nesting


def test_lines_and_quantities_are_found_anywhere_in_the_document() -> None:
    order = {"lines": [{"sku": "A", "qty": 3}] * 3}
    assert shape_error(order, max_lines=3, max_quantity=3) is None
    too_many = shape_error(order, max_lines=2, max_quantity=3)
    assert too_many is not None and (too_many.code, too_many.at) == ("request.too_many_lines", "$.lines")
    batch = [{"mutation_id": 1, "payload": {"lines": [{"counted_qty": 10**15}]}}]
    huge = shape_error(msgspec.json.decode(json.dumps(batch)), max_lines=10, max_quantity=10**9)
    assert huge is not None and huge.code == "request.quantity_too_large"
    assert huge.at == "$[0].payload.lines[0].counted_qty"


def test_a_stock_adjustment_delta_is_a_quantity_both_ways() -> None:
    for delta in (10**15, -(10**15)):
        refused = shape_error({"sku": "A", "delta": delta}, max_lines=1, max_quantity=10**9)
        assert refused is not None and refused.at == "$.delta"
    assert shape_error({"sku": "A", "delta": -5}, max_lines=1, max_quantity=10**9) is None


@pytest.mark.parametrize("value", [True, "100", None])
def test_only_numbers_count_as_quantities(value: object) -> None:
    assert shape_error({"qty": value}, max_lines=1, max_quantity=1) is None
