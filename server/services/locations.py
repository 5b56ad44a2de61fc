"""Creating locations: one service for the HTTP route and the device mutation ``location.create``."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Invalid, NotFound
from domain.events import LocationCreated
from server.models import Location, Warehouse
from server.outbox import emit

LOCATION_KINDS = ("dock", "storage", "pick_face", "quarantine", "staging", "shipping")


class LocationView(msgspec.Struct):
    code: str
    zone: str
    aisle: str
    kind: str
    pick_sequence: int
    x: int
    y: int


class NewLocation(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    zone: str
    kind: str
    aisle: str = ""
    pick_sequence: int = 0
    x: int = 0
    y: int = 0


class NewLocationIn(NewLocation, forbid_unknown_fields=True):
    """``location.create`` as a device sends it: the warehouse travels in the payload."""

    warehouse: str = ""


def location_view(loc: Location) -> LocationView:
    return LocationView(loc.code, loc.zone, loc.aisle, loc.kind, loc.pick_sequence, loc.x, loc.y)


async def create_location(db: AsyncSession, warehouse: str, data: NewLocation) -> LocationView:
    """Add a location (its code is the barcode on its label) and emit ``location.created``."""
    if data.kind not in LOCATION_KINDS:
        raise Invalid("location.invalid_kind", f"Kind must be one of {', '.join(LOCATION_KINDS)}.")
    code = data.code.strip().upper()
    if not code or len(code) > 32 or not code.replace("-", "").isalnum():
        raise Invalid("location.invalid_code", "A location code is 1 to 32 letters, digits and dashes.")
    if await db.get(Warehouse, warehouse) is None:
        raise NotFound("warehouse.not_found", f"No warehouse {warehouse}.")
    if await db.scalar(select(Location.id).where(Location.code == code)) is not None:
        raise Conflict("location.exists", f"Location {code} already exists.")
    loc = Location(
        warehouse=warehouse,
        code=code,
        zone=data.zone,
        aisle=data.aisle,
        kind=data.kind,
        pick_sequence=data.pick_sequence,
        x=data.x,
        y=data.y,
    )
    db.add(loc)
    try:
        await db.flush()  # a racing twin fails here; the caller's transaction (or savepoint) rolls back
    except IntegrityError:
        raise Conflict("location.exists", f"Location {code} already exists.") from None
    view = location_view(loc)
    state = {"warehouse": warehouse, **msgspec.to_builtins(view)}
    await emit(db, LocationCreated(warehouse=warehouse, entity_id=code, version=1, data=state))
    return view
