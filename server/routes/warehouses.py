"""Warehouses and their locations."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from server.auth.principal import AUTHENTICATED, requires
from server.deps import Caller, Db
from server.models import Location, Warehouse
from server.problems import Problem

LOCATION_KINDS = ("dock", "storage", "pick_face", "quarantine", "staging", "shipping")


class WarehouseView(msgspec.Struct):
    code: str
    name: str
    timezone: str
    currency: str


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


def _location_view(loc: Location) -> LocationView:
    return LocationView(loc.code, loc.zone, loc.aisle, loc.kind, loc.pick_sequence, loc.x, loc.y)


class WarehouseController(Controller):
    path = "/api/warehouses"
    tags = ["warehouses"]

    @get("/", operation_id="listWarehouses", guards=[AUTHENTICATED])
    async def list_warehouses(self, db: Db, principal: Caller) -> list[WarehouseView]:
        """The warehouses the caller works in."""
        rows = await db.scalars(select(Warehouse).order_by(Warehouse.code))
        return [WarehouseView(w.code, w.name, w.timezone, w.currency) for w in rows if principal.may_access(w.code)]

    @get("/{warehouse:str}/locations", operation_id="listLocations", guards=[AUTHENTICATED])
    async def list_locations(
        self,
        warehouse: FromPath[str],
        db: Db,
        kind: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> list[LocationView]:
        """Locations of a warehouse in pick-path order, optionally of one kind."""
        query = select(Location).where(Location.warehouse == warehouse)
        if kind is not None:
            query = query.where(Location.kind == kind)
        rows = await db.scalars(query.order_by(Location.pick_sequence, Location.code).limit(limit).offset(offset))
        return [_location_view(loc) for loc in rows]

    @post("/{warehouse:str}/locations", operation_id="createLocation", guards=[requires("supervisor")])
    async def create_location(self, warehouse: FromPath[str], data: JSONBody[NewLocation], db: Db) -> LocationView:
        """Add a location; its code is the barcode on its label."""
        if data.kind not in LOCATION_KINDS:
            raise Problem(422, "location.invalid_kind", f"Kind must be one of {', '.join(LOCATION_KINDS)}.")
        code = data.code.strip().upper()
        if not code or len(code) > 32 or not code.replace("-", "").isalnum():
            raise Problem(422, "location.invalid_code", "A location code is 1 to 32 letters, digits and dashes.")
        if await db.get(Warehouse, warehouse) is None:
            raise Problem(404, "warehouse.not_found", f"No warehouse {warehouse}.")
        if await db.scalar(select(Location.id).where(Location.code == code)) is not None:
            raise Problem(409, "location.exists", f"Location {code} already exists.")
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
        await db.flush()
        return _location_view(loc)
