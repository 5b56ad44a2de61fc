"""Warehouse locations: where stock sits, how it is walked, and which spots are picked from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Invalid, Rejected


class LocationKind(StrEnum):
    DOCK = "dock"
    STORAGE = "storage"
    PICK_FACE = "pick_face"
    QUARANTINE = "quarantine"
    STAGING = "staging"
    SHIPPING = "shipping"


# Stock on a dock is not put away yet and stock in staging/shipping is already picked,
# so only these kinds are a source for allocation.
PICKABLE_KINDS = frozenset({LocationKind.PICK_FACE, LocationKind.STORAGE})


@dataclass(frozen=True)
class Location:
    """A location; ``code`` is what its barcode label reads. x/y are integer grid units."""

    code: str
    warehouse: str
    zone: str
    kind: LocationKind
    pick_sequence: int = 0
    x: int = 0
    y: int = 0
    min_qty: int | None = None
    max_qty: int | None = None

    def __post_init__(self) -> None:
        has_limits = self.min_qty is not None or self.max_qty is not None
        if has_limits and self.kind is not LocationKind.PICK_FACE:
            raise Rejected(
                "location.limits_not_pick_face",
                f"Only pick faces have min/max, {self.code} is {self.kind}",
                location=self.code,
            )
        if has_limits and not (
            self.min_qty is not None and self.max_qty is not None and 0 <= self.min_qty < self.max_qty
        ):
            raise Invalid(
                "location.invalid_limits",
                f"{self.code} needs 0 <= min < max, got {self.min_qty}/{self.max_qty}",
                location=self.code,
            )

    @property
    def pickable(self) -> bool:
        """True if allocation may draw stock from here."""
        return self.kind in PICKABLE_KINDS


def distance(a: Location, b: Location) -> int:
    """Walking distance between two locations of one warehouse (Manhattan: aisles are rectilinear)."""
    if a.warehouse != b.warehouse:
        raise Rejected(
            "location.other_warehouse",
            f"{a.code} and {b.code} are in different warehouses",
            a=a.code,
            b=b.code,
        )
    return abs(a.x - b.x) + abs(a.y - b.y)


def replenishment_qty(location: Location, *, on_hand: int) -> int:
    """How much to bring to a pick face that has fallen to its min (fill to max), else 0."""
    if location.min_qty is None or location.max_qty is None or on_hand > location.min_qty:
        return 0
    return location.max_qty - on_hand
