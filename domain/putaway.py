"""Putaway: where received stock should go, and what to do when the worker puts it elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Conflict, Invalid, Rejected
from domain.tasks import Spot, walk_distance


class PutawayRule(StrEnum):
    PICK_FACE = "pick_face"
    CLASS_ZONE = "class_zone"
    NEAREST_EMPTY = "nearest_empty"


@dataclass(frozen=True, slots=True)
class PutawayItem:
    sku: str
    item_class: str | None = None
    pick_face: Spot | None = None
    pick_face_max: int = 0
    pick_face_on_hand: int = 0


@dataclass(frozen=True, slots=True)
class StorageBin:
    location: Spot
    empty: bool
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class PutawaySuggestion:
    to_location: Spot
    qty: int
    rule: PutawayRule


def _nearest_empty(bins: Iterable[StorageBin], *, dock: Spot, zone: str | None) -> Spot | None:
    usable = [b.location for b in bins if b.empty and not b.blocked and (zone is None or b.location.zone == zone)]
    if not usable:
        return None
    return min(usable, key=lambda s: (walk_distance(dock, s), s.code))


def suggest_putaway(
    item: PutawayItem,
    qty: int,
    *,
    dock: Spot,
    bins: Iterable[StorageBin],
    class_zones: Mapping[str, str],
) -> tuple[PutawaySuggestion, ...]:
    """Top up the item's pick face to its max, then send the rest to one storage bin.

    The storage bin is the empty bin nearest the dock in the zone mapped from the item class, or,
    when that zone has none (or the class maps nowhere), the empty bin nearest the dock anywhere.
    """
    if qty <= 0:
        raise Invalid("putaway.invalid_quantity", f"Cannot put away {qty} units.")
    suggestions: list[PutawaySuggestion] = []
    remaining = qty
    room = item.pick_face_max - item.pick_face_on_hand
    if item.pick_face is not None and room > 0:
        to_face = min(room, remaining)
        suggestions.append(PutawaySuggestion(item.pick_face, to_face, PutawayRule.PICK_FACE))
        remaining -= to_face
    if remaining == 0:
        return tuple(suggestions)
    candidates = list(bins)
    zone = class_zones.get(item.item_class) if item.item_class is not None else None
    in_zone = _nearest_empty(candidates, dock=dock, zone=zone) if zone is not None else None
    if in_zone is not None:
        suggestions.append(PutawaySuggestion(in_zone, remaining, PutawayRule.CLASS_ZONE))
        return tuple(suggestions)
    anywhere = _nearest_empty(candidates, dock=dock, zone=None)
    if anywhere is None:
        raise Conflict(
            "putaway.no_location",
            f"No empty storage bin for {remaining} of {item.sku}; ask a supervisor for a location.",
            item=item.sku,
            qty=remaining,
        )
    suggestions.append(PutawaySuggestion(anywhere, remaining, PutawayRule.NEAREST_EMPTY))
    return tuple(suggestions)


@dataclass(frozen=True, slots=True)
class DestinationCheck:
    accepted: bool
    confirmation_required: bool
    overridden: bool  # stock went somewhere other than suggested: worth a line in the audit trail
    to_location: str


def check_destination(suggested: str, scanned: str, *, confirmation: str | None = None) -> DestinationCheck:
    """Accept the suggested bin at once; any other bin only after the worker scans it a second time.

    The re-scan turns a stray trigger pull into a deliberate decision.
    """
    if scanned == suggested:
        return DestinationCheck(accepted=True, confirmation_required=False, overridden=False, to_location=scanned)
    if confirmation is None:
        return DestinationCheck(accepted=False, confirmation_required=True, overridden=True, to_location=scanned)
    if confirmation != scanned:
        raise Rejected(
            "scan.confirmation_mismatch",
            f"Confirmation scan {confirmation} does not match {scanned}; scan the same bin again.",
            scanned=scanned,
            confirmation=confirmation,
        )
    return DestinationCheck(accepted=True, confirmation_required=False, overridden=True, to_location=scanned)
