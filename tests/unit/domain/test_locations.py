import pytest

from domain.errors import DomainError
from domain.locations import Location, LocationKind, distance, replenishment_qty


def loc(code, kind=LocationKind.STORAGE, *, x=0, y=0, warehouse="W1", **kw):
    return Location(code, warehouse, "A", kind, x=x, y=y, **kw)


def test_distance_is_manhattan_along_aisles():
    assert distance(loc("A-01", x=0, y=0), loc("B-07", x=3, y=4)) == 7


def test_distance_between_warehouses_is_refused():
    with pytest.raises(DomainError) as err:
        distance(loc("A-01"), loc("A-01", warehouse="W2"))
    assert err.value.code == "location.other_warehouse"


def test_only_pick_faces_and_storage_are_pickable():
    pickable = {k for k in LocationKind if loc("X", k).pickable}
    assert pickable == {LocationKind.PICK_FACE, LocationKind.STORAGE}


def test_min_max_are_only_for_pick_faces():
    with pytest.raises(DomainError) as err:
        loc("R-01", LocationKind.STORAGE, min_qty=2, max_qty=10)
    assert err.value.code == "location.limits_not_pick_face"


def test_min_must_be_below_max():
    with pytest.raises(DomainError) as err:
        loc("P-01", LocationKind.PICK_FACE, min_qty=10, max_qty=10)
    assert err.value.code == "location.invalid_limits"


def test_pick_face_at_or_below_min_is_filled_to_max():
    face = loc("P-01", LocationKind.PICK_FACE, min_qty=5, max_qty=40)
    assert replenishment_qty(face, on_hand=5) == 35
    assert replenishment_qty(face, on_hand=6) == 0
    assert replenishment_qty(loc("R-01"), on_hand=0) == 0
