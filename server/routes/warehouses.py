"""Warehouses and their locations."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select

from server.auth.principal import AUTHENTICATED, requires
from server.deps import Caller, Db
from server.imports.history import record_change
from server.models import Location, Warehouse
from server.services import locations
from server.services.locations import LocationView, NewLocation, location_view


class WarehouseView(msgspec.Struct):
    code: str
    name: str
    timezone: str
    currency: str


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
        return [location_view(loc) for loc in rows]

    @post("/{warehouse:str}/locations", operation_id="createLocation", guards=[requires("supervisor")])
    async def create_location(
        self, warehouse: FromPath[str], data: JSONBody[NewLocation], db: Db, principal: Caller
    ) -> LocationView:
        """Add a location; its code is the barcode on its label. It shows in ``GET /api/locations/{code}/history``."""
        view = await locations.create_location(db, warehouse, data)
        fields: dict[str, str | int] = {"warehouse": warehouse, "zone": data.zone, "aisle": data.aisle}
        fields |= {"kind": data.kind, "pick_sequence": data.pick_sequence, "x": data.x, "y": data.y}
        changes = {k: [None, v] for k, v in fields.items()}
        by = principal.username
        await record_change(db, entity="location", key=view.code, action="created", changes=changes, by=by)
        return view
