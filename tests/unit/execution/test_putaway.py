from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.putaway import (
    PutawayItem,
    PutawayRule,
    StorageBin,
    check_destination,
    suggest_putaway,
)
from domain.tasks import Spot

DOCK = Spot("DOCK-1", "DOCK", 0, 0)
FACE = Spot("P-01", "PICK", 5, 0)
CLASSES = {"frozen": "FZ"}
BINS = [
    StorageBin(Spot("R-NEAR", "RES", 2, 0), empty=True),
    StorageBin(Spot("R-FULL", "RES", 1, 0), empty=False),
    StorageBin(Spot("FZ-FAR", "FZ", 40, 0), empty=True),
    StorageBin(Spot("FZ-NEAR", "FZ", 20, 0), empty=True),
    StorageBin(Spot("FZ-BLOCKED", "FZ", 3, 0), empty=True, blocked=True),
]


def test_putaway_tops_up_the_pick_face_below_its_max_first() -> None:
    item = PutawayItem("SKU-1", pick_face=FACE, pick_face_max=50, pick_face_on_hand=40)
    suggestions = suggest_putaway(item, 8, dock=DOCK, bins=BINS, class_zones=CLASSES)
    assert [(s.to_location.code, s.qty, s.rule) for s in suggestions] == [("P-01", 8, PutawayRule.PICK_FACE)]


def test_putaway_sends_what_the_pick_face_cannot_hold_to_storage() -> None:
    item = PutawayItem("SKU-1", pick_face=FACE, pick_face_max=50, pick_face_on_hand=40)
    suggestions = suggest_putaway(item, 25, dock=DOCK, bins=BINS, class_zones=CLASSES)
    assert [(s.to_location.code, s.qty) for s in suggestions] == [("P-01", 10), ("R-NEAR", 15)]


def test_putaway_uses_the_nearest_empty_bin_in_the_zone_of_the_item_class() -> None:
    item = PutawayItem("ICE-1", item_class="frozen", pick_face=FACE, pick_face_max=10, pick_face_on_hand=10)
    (suggestion,) = suggest_putaway(item, 5, dock=DOCK, bins=BINS, class_zones=CLASSES)
    assert (suggestion.to_location.code, suggestion.rule) == ("FZ-NEAR", PutawayRule.CLASS_ZONE)


def test_putaway_falls_back_to_the_nearest_empty_bin_from_the_dock() -> None:
    item = PutawayItem("SKU-2", item_class="general")
    (suggestion,) = suggest_putaway(item, 5, dock=DOCK, bins=BINS, class_zones=CLASSES)
    assert (suggestion.to_location.code, suggestion.rule) == ("R-NEAR", PutawayRule.NEAREST_EMPTY)


def test_putaway_with_no_empty_bin_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        suggest_putaway(PutawayItem("SKU-2"), 5, dock=DOCK, bins=BINS[1:2], class_zones=CLASSES)
    assert err.value.code == "putaway.no_location"


def test_putting_away_to_the_suggested_bin_is_accepted_at_once() -> None:
    check = check_destination("R-NEAR", "R-NEAR")
    assert check.accepted and not check.confirmation_required and not check.overridden


def test_putting_away_elsewhere_requires_a_confirming_rescan() -> None:
    first = check_destination("R-NEAR", "R-OTHER")
    assert first.confirmation_required and not first.accepted
    confirmed = check_destination("R-NEAR", "R-OTHER", confirmation="R-OTHER")
    assert confirmed.accepted and confirmed.overridden and confirmed.to_location == "R-OTHER"


def test_a_confirmation_scan_of_a_different_bin_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        check_destination("R-NEAR", "R-OTHER", confirmation="R-THIRD")
    assert err.value.code == "scan.confirmation_mismatch"
